-- One row per missing episode open at some point in the week: children still missing at the
-- period end (no return recorded by then) and children who came back during the week, with the
-- record compliance checks for each: return home interview (RHI) offered and accepted.
with episodes as (
    select
        m.miss_table_id as episode_id,
        m.miss_person_id as person_id,
        m.miss_missing_episode_type as episode_type,
        m.miss_missing_episode_start_date as missing_from,
        case when m.miss_missing_episode_end_date <= :as_at then m.miss_missing_episode_end_date end as returned_on,
        m.miss_missing_rhi_offered as rhi_offered,
        m.miss_missing_rhi_accepted as rhi_accepted
    from ssd_missing m
    where m.miss_missing_episode_start_date <= :as_at
      and (m.miss_missing_episode_end_date is null or m.miss_missing_episode_end_date >= :period_start)
),

final as (
    select
        e.episode_id,
        e.person_id,
        {{ child_name('per') }} as child_name,
        per.pers_dob as date_of_birth,
        t.team_id,
        t.team_name,
        prof.prof_professional_name as worker_name,
        case e.episode_type when 'A' then 'Away from placement' else 'Missing' end as episode_type,
        e.missing_from,
        e.returned_on,
        {{ days_between('e.missing_from', 'coalesce(e.returned_on, :as_at)') }} as days_missing,
        case when e.returned_on is null then 'Still missing' else 'Returned this week' end as status,
        case when e.returned_on is null then 'red' else 'green' end as status_rag,
        case when e.returned_on is null then 1 else 0 end as is_missing,
        -- a return home interview follows a return: none is due while the child is still missing,
        -- whatever the record holds ("accepted: Yes" for a missing child read as a contradiction)
        case when e.returned_on is null then 'Not returned' when e.rhi_offered = 'Y' then 'Yes' else 'No' end
            as rhi_offered,
        case when e.returned_on is null then 'Not returned' when e.rhi_accepted = 'Y' then 'Yes' else 'No' end
            as rhi_accepted,
        case when e.returned_on is not null and coalesce(e.rhi_offered, 'N') <> 'Y' then 1 else 0 end
            as rhi_not_offered,
        case
            when e.returned_on is null and {{ days_between('e.missing_from', ':as_at') }} > 28
                then 'Missing over 28 days: check whether a return was not recorded'
            when e.returned_on is not null and coalesce(e.rhi_offered, 'N') <> 'Y'
                then 'Return home interview not offered'
            when e.returned_on is not null and coalesce(e.rhi_accepted, 'N') <> 'Y'
                then 'Return home interview not accepted'
            else ''
        end as record_check
    from episodes e
    join ssd_person per on per.pers_person_id = e.person_id
    left join {{ allocation_at(':as_at') }} a on a.person_id = e.person_id
    left join {{ teams() }} t on t.team_id = a.team_id
    left join ssd_professionals prof on prof.prof_professional_id = a.worker_id
)

select * from final
order by is_missing desc, days_missing desc, team_name, person_id, episode_id
