{{ config(order_by='(month, township_code)') }}
{#- 养老机构 at each month's end, by township: institutions open by then, how many combine medical and
    elderly care, their beds and occupied beds. The platform keeps only an institution's current beds and
    occupancy, so past months show today's figures for the institutions open then. -#}
with open_at_month_end as (
    select
        m.month as month,
        i.township_code as township_code,
        count(*) as institutions,
        countIf(i.medical_integrated) as medical_integrated,
        sum(i.beds) as beds,
        sum(i.occupied_beds) as occupied_beds
    from {{ ref('int_months') }} as m
    cross join {{ ref('stg_elderly__care_institutions') }} as i
    where i.opened_on <= m.month_end
    group by
        m.month,
        i.township_code
)
select
    g.month as month,
    g.month_end as month_end,
    g.district_code as district_code,
    g.township_code as township_code,
    coalesce(s.institutions, 0) as institutions,
    coalesce(s.medical_integrated, 0) as medical_integrated,
    coalesce(s.beds, 0) as beds,
    coalesce(s.occupied_beds, 0) as occupied_beds
from {{ ref('int_elderly_township_months') }} as g
left join open_at_month_end as s
    on s.month = g.month
    and s.township_code = g.township_code
