{#- 慈善项目 at the data date: projects started by then, those still running (not ended before the
    data date), their budget (yuan) and beneficiary visits (受益人次), by township and domain. -#}
{{ config(order_by='(district_code, township_code, domain)') }}
select
    d.data_date as data_date,
    t.district_code as district_code,
    p.township_code as township_code,
    p.domain as domain,
    count() as projects,
    countIf(p.ended_on is null or p.ended_on >= d.data_date) as active_projects,
    sum(p.budget) as budget,
    sum(p.beneficiary_visits) as beneficiary_visits
from {{ ref('stg_charity__charity_projects') }} as p
inner join {{ ref('areas_townships') }} as t on t.code = p.township_code
cross join {{ ref('int_data_date') }} as d
where p.started_on <= d.data_date
group by
    d.data_date,
    t.district_code,
    p.township_code,
    p.domain
