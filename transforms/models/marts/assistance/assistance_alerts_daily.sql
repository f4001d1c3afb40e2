{{ config(
    materialized='incremental',
    incremental_strategy='insert_overwrite',
    partition_by='toYYYYMM(day)',
    order_by='(day, district_code, township_code, alert_type)'
) }}
{#- 预警 → 分发 → 反馈: alerts raised, dispatched and closed per day, township and alert type. Each
    step counts on the day it happened, so the three counts of one row are about different alerts. -#}
with alerts as (
    select * from {{ ref('int_assistance_alerts_located') }}
),

events as (
    select
        toDate(raised_at) as day,
        district_code,
        township_code,
        alert_type,
        1 as raised,
        0 as dispatched,
        0 as closed
    from alerts

    union all

    select
        toDate(assumeNotNull(dispatched_at)) as day,
        district_code,
        township_code,
        alert_type,
        0 as raised,
        1 as dispatched,
        0 as closed
    from alerts
    where dispatched_at is not null

    union all

    select
        toDate(assumeNotNull(closed_at)) as day,
        district_code,
        township_code,
        alert_type,
        0 as raised,
        0 as dispatched,
        1 as closed
    from alerts
    where closed_at is not null
)

select
    day,
    district_code,
    township_code,
    alert_type,
    sum(raised) as raised,
    sum(dispatched) as dispatched,
    sum(closed) as closed
from events
{% if is_incremental() %}
-- A night recomputes the months its changed alerts have an event in, and replaces those partitions.
where {{ in_changed_months('day', source('assistance', 'alerts'), 'id', ['raised_at', 'dispatched_at', 'closed_at']) }}
{% endif %}
group by
    day,
    district_code,
    township_code,
    alert_type
