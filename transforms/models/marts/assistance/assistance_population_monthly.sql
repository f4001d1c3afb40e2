{{ config(order_by='(month, district_code, township_code, category)') }}
{#- 低收入人口动态监测: the monitored population at each month end, with the month's inflow (纳入)
    and outflow (退出), by township and category. Each person is tested against each month of the
    window; a month still running is snapshot at the data date (int_months.month_end). Rows where
    all three counts are zero are left out. -#}
select
    m.month,
    toDate(m.month_end) as month_end,
    p.district_code,
    p.township_code,
    p.category,
    countIf(
        p.monitored_since <= m.month_end
        and (p.exited_on is null or p.exited_on > m.month_end)
    ) as monitored,
    countIf(p.monitored_since between m.month and m.month_end) as inflow,
    countIf(p.exited_on between m.month and m.month_end) as outflow
from {{ ref('int_months') }} as m
cross join {{ ref('int_low_income_persons_located') }} as p
group by
    m.month,
    m.month_end,
    p.district_code,
    p.township_code,
    p.category
having monitored > 0 or inflow > 0 or outflow > 0
