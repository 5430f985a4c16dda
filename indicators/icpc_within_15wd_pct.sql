select sum(case when {{ working_days('s.s47e_s47_start_date', 'i.icpc_icpc_date') }} <= 15 then 1 else 0 end)
           as numerator,
       count(*) as denominator
from ssd_initial_cp_conference i
join ssd_s47_enquiry s on s.s47e_s47_enquiry_id = i.icpc_s47_enquiry_id
where i.icpc_icpc_date between :period_start and :period_end
  and coalesce(i.icpc_icpc_transfer_in, 'N') <> 'Y'
