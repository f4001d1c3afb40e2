{{ config(order_by='(month, township_code)') }}
{#- 适老化改造 per month and township: projects applied for (by application date), projects completed (by
    completion date, status completed) and the subsidy of those completed. Months outside the reporting
    window are not shown. -#}
with applied as (
    select
        toDate(toStartOfMonth(applied_on)) as month,
        township_code,
        count(*) as applied
    from {{ ref('stg_elderly__home_renovations') }}
    group by
        month,
        township_code
),

completed as (
    select
        toDate(toStartOfMonth(assumeNotNull(completed_on))) as month,
        township_code,
        count(*) as completed,
        sum(subsidy) as subsidy
    from {{ ref('stg_elderly__home_renovations') }}
    where status = 'completed'
        and completed_on is not null
    group by
        month,
        township_code
)
select
    g.month as month,
    g.month_end as month_end,
    g.district_code as district_code,
    g.township_code as township_code,
    coalesce(c.completed, 0) as completed,
    coalesce(a.applied, 0) as applied,
    coalesce(c.subsidy, toDecimal128(0, 2)) as subsidy
from {{ ref('int_elderly_township_months') }} as g
left join completed as c
    on c.month = g.month
    and c.township_code = g.township_code
left join applied as a
    on a.month = g.month
    and a.township_code = g.township_code
