-- One row per disability service (CYPDS) team: positions at the period end, assessments in the period.
{{ ind_team_table("'CYPDS'") }}
