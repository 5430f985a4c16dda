-- One row per CYPDS 18plus assessment completed in the 12 months to the period end, or open at the
-- period end: days from start to completion against the 28-day standard.
{{ cypds_assessment_timescales("'18plus'", 28) }}
