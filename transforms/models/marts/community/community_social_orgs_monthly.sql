{#- 社区社会组织 month by month: for each month of the reporting window, township and kind, the
    organisations active at the month's end (registered by then and not deregistered by then),
    and those registered and deregistered during the month. The current month ends at the data date. -#}
{{ config(order_by='(district_code, township_code, month, org_kind)') }}
select
    m.month as month,
    m.month_end as month_end,
    t.district_code as district_code,
    o.township_code as township_code,
    o.org_kind as org_kind,
    countIf(
        o.registered_on <= m.month_end
        and (o.deregistered_on is null or o.deregistered_on > m.month_end)
    ) as active,
    countIf(o.registered_on between m.month and m.month_end) as registered,
    countIf(o.deregistered_on between m.month and m.month_end) as deregistered
from {{ ref('stg_community__social_orgs') }} as o
inner join {{ ref('areas_townships') }} as t on t.code = o.township_code
cross join {{ ref('int_months') }} as m
group by
    m.month,
    m.month_end,
    t.district_code,
    o.township_code,
    o.org_kind
