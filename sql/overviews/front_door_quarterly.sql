-- One row per front-door team (MASH, Brief Intervention): positions at the period end,
-- assessments in the period.
{{ ind_team_table("'MASH', 'BIT'") }}
