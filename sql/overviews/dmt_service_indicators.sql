-- One row per case-holding team: positions at the period end, assessments in the period.
{{ ind_team_table() }}
