{{ config(order_by='(month, township_code, capability_level)') }}
{#- 老年人能力评估 per month (of the assessment date), township and capability level: assessments made.
    Every level of the platform's five, 0 能力完好 to 4 完全失能, has a row in every month and township. -#}
with levels as (
    select
        toUInt8(arrayJoin(range(5))) as capability_level,
        ['能力完好', '轻度失能', '中度失能', '重度失能', '完全失能'][capability_level + 1] as capability_level_name
),

assessed as (
    select
        toDate(toStartOfMonth(assessed_on)) as month,
        township_code,
        toUInt8(capability_level) as capability_level,
        count(*) as assessments
    from {{ ref('stg_elderly__capability_assessments') }}
    group by
        month,
        township_code,
        capability_level
)
select
    g.month as month,
    g.month_end as month_end,
    g.district_code as district_code,
    g.township_code as township_code,
    l.capability_level as capability_level,
    l.capability_level_name as capability_level_name,
    coalesce(a.assessments, 0) as assessments
from {{ ref('int_elderly_township_months') }} as g
cross join levels as l
left join assessed as a
    on a.month = g.month
    and a.township_code = g.township_code
    and a.capability_level = l.capability_level
