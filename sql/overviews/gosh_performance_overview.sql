-- One row per GOSH hospital social work team: positions at the period end, assessments in the period.
{{ ind_team_table("'GOSH'") }}
