select count(*) as numerator, cast(null as integer) as denominator
from {{ allocation_at(':as_at') }} a
join ext_teams t on t.team_team_id = a.team_id
where t.team_kind = 'CYPDS'
