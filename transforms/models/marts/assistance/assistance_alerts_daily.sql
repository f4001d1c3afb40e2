{{ config(
    materialized='incremental',
    incremental_strategy='insert_overwrite',
    partition_by='toYYYYMM(day)',
    order_by='(day, district_code, township_code, alert_type)'
) }}
{#- 预警 → 分发 → 反馈: alerts raised, dispatched and closed per day, township and alert type. Each
    step counts on the day it happened, so the three counts of one row are about different alerts.
    Each alert is read once: an array join turns it into its steps so far. -#}
with steps as (
    select
        toDate(assumeNotNull(step.1)) as day,
        district_code,
        township_code,
        alert_type,
        step.2 as raised,
        step.3 as dispatched,
        step.4 as closed
    from {{ ref('int_assistance_alerts_located') }}
    array join arrayFilter(
        s -> s.1 is not null,
        [(raised_at, 1, 0, 0), (dispatched_at, 0, 1, 0), (closed_at, 0, 0, 1)]
    ) as step
)

select
    day,
    district_code,
    township_code,
    alert_type,
    sum(raised) as raised,
    sum(dispatched) as dispatched,
    sum(closed) as closed
from steps
{% if is_incremental() %}
-- A night recomputes the months its changed alerts have an event in, and replaces those partitions.
where {{ in_changed_months('day', source('assistance', 'alerts'), 'id', ['raised_at', 'dispatched_at', 'closed_at']) }}
{% endif %}
group by
    day,
    district_code,
    township_code,
    alert_type
