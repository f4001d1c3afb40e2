{{ config(order_by='(month, district_code, township_code, category)') }}
{#- 低收入人口动态监测: the monitored population at each month end, with the month's inflow (纳入)
    and outflow (退出), by township and category; a month still running is snapshot at the data date
    (int_months.month_end). Rows where all three counts are zero are left out.
    Each person is a step up on the day taken in and a step down on the day of exit, so a month's
    monitored population is the running sum of the steps up to its end; steps before the window fall
    into its first month. Each person is read once, not once per month. -#}
with
    -- The window's first month and last day, as constants: steps before it fall into its first month.
    (select min(month) from {{ ref('int_months') }}) as first_month,
    (select max(month_end) from {{ ref('int_months') }}) as last_day,

months as (
    select
        month,
        month_end
    from {{ ref('int_months') }}
),

persons as (
    select
        district_code,
        township_code,
        category,
        monitored_since,
        exited_on
    from {{ ref('int_low_income_persons_located') }}
),

-- (day, step, taken in, exited) per event of a person, from one read: the intake; and for an exit a
-- step down (an exit dated before the intake cancels it from the intake on) and the exit itself.
steps as (
    select
        district_code,
        township_code,
        category,
        event.1 as day,
        event.2 as delta,
        event.3 as inflow,
        event.4 as outflow
    from persons
    array join if(
        exited_on is null,
        [(monitored_since, 1, 1, 0)],
        [
            (monitored_since, 1, 1, 0),
            (greatest(assumeNotNull(exited_on), monitored_since), -1, 0, 0),
            (assumeNotNull(exited_on), 0, 0, 1)
        ]
    ) as event
),

steps_by_month as (
    select
        s.district_code as district_code,
        s.township_code as township_code,
        s.category as category,
        toDate(if(s.day < first_month, first_month, toStartOfMonth(s.day))) as month,
        sum(s.delta) as delta,
        sumIf(s.inflow, s.day >= first_month) as inflow,
        sumIf(s.outflow, s.day >= first_month) as outflow
    from steps as s
    where s.day <= last_day
    group by
        district_code,
        township_code,
        category,
        month
),

grid as (
    select
        m.month as month,
        m.month_end as month_end,
        k.district_code as district_code,
        k.township_code as township_code,
        k.category as category
    from months as m
    cross join (
        select distinct
            district_code,
            township_code,
            category
        from steps_by_month
    ) as k
),

counted as (
    select
        g.month as month,
        g.month_end as month_end,
        g.district_code as district_code,
        g.township_code as township_code,
        g.category as category,
        sum(coalesce(f.delta, 0)) over (
            partition by g.district_code, g.township_code, g.category
            order by g.month
            rows between unbounded preceding and current row
        ) as monitored,
        coalesce(f.inflow, 0) as inflow,
        coalesce(f.outflow, 0) as outflow
    from grid as g
    left join steps_by_month as f
        on f.month = g.month
        and f.district_code = g.district_code
        and f.township_code = g.township_code
        and f.category = g.category
)
select
    month,
    toDate(month_end) as month_end,
    district_code,
    township_code,
    category,
    toUInt64(monitored) as monitored,
    toUInt64(inflow) as inflow,
    toUInt64(outflow) as outflow
from counted
where monitored > 0 or inflow > 0 or outflow > 0
