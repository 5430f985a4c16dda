-- One row per CYPDS transition assessment completed in the 12 months to the period end, or open at the
-- period end: days from start to completion against the 84-day standard.
{{ cypds_assessment_timescales("'transition'", 84) }}
