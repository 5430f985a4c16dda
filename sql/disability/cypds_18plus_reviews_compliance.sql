-- One row per CYPDS review (aged 18 and over) due in the period, or due earlier and still not held at the
-- period end: when it was held and whether on time (on or before its due date).
{{ cypds_review_timescales("'18plus'") }}
