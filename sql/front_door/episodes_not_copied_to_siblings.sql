-- One row per sibling a family referral (a piece of work opened for the whole sibling group) was
-- not copied to: the family episode exists and the lead child has the referral, but the sibling
-- has no referral of the same date. Family referrals in the 12 months to the period end. A
-- sibling aged 18 or over that day (an adult: no referral to children's services) or already
-- open to the service that day (one open episode per child) is not expected to have it.
with family_episodes as (
    select fe.*
    from ext_family_episodes fe
    where fe.faep_episode_date >= {{ cf_window_start(':period_end') }}
      and fe.faep_episode_date <= :period_end
),

missing as (
    select fe.faep_episode_id as family_episode_id, fe.faep_family_id as family_id,
           fe.faep_lead_person_id as lead_person_id, fe.faep_episode_date as episode_date,
           fe.faep_episode_type as episode_type, f.fami_person_id as sibling_person_id
    from family_episodes fe
    join ssd_family f on f.fami_family_id = fe.faep_family_id and f.fami_person_id <> fe.faep_lead_person_id
    join ssd_person sib on sib.pers_person_id = f.fami_person_id
    where not exists (select 1 from ssd_cin_episodes e
                      where e.cine_person_id = f.fami_person_id and e.cine_referral_date = fe.faep_episode_date)
      and {{ age_years('sib.pers_dob', 'fe.faep_episode_date') }} < 18
      and not exists (select 1 from ssd_cin_episodes o
                      where o.cine_person_id = f.fami_person_id and o.cine_referral_date < fe.faep_episode_date
                        and (o.cine_close_date is null or o.cine_close_date >= fe.faep_episode_date))
),

-- the lead child's referral of that date: its worker and team opened the episode
lead_referral as (
    select m.family_episode_id, m.sibling_person_id, e.cine_referral_id as lead_referral_id,
           e.cine_referral_worker_id as worker_id, e.cine_referral_team as team_id,
           row_number() over (partition by m.family_episode_id, m.sibling_person_id order by e.cine_referral_id) as rn
    from missing m
    join ssd_cin_episodes e on e.cine_person_id = m.lead_person_id and e.cine_referral_date = m.episode_date
),

final as (
    select
        m.family_episode_id,
        m.family_id,
        m.sibling_person_id as person_id,
        {{ child_name('sib') }} as sibling_name,
        m.lead_person_id,
        {{ child_name('lead') }} as lead_child_name,
        m.episode_type,
        m.episode_date,
        lr.lead_referral_id,
        'Episode not copied to this sibling' as gap,
        lr.worker_id,
        w.prof_professional_name as worker_name,
        t.team_id,
        t.team_name,
        t.team_manager_name,
        case when m.episode_date >= :period_start then 1 else 0 end as in_period
    from missing m
    join ssd_person sib on sib.pers_person_id = m.sibling_person_id
    join ssd_person lead on lead.pers_person_id = m.lead_person_id
    left join lead_referral lr on lr.family_episode_id = m.family_episode_id
         and lr.sibling_person_id = m.sibling_person_id and lr.rn = 1
    left join ssd_professionals w on w.prof_professional_id = lr.worker_id
    left join {{ cf_teams() }} t on t.team_id = lr.team_id
)

select * from final
order by in_period desc, team_name, episode_date, family_episode_id, person_id
