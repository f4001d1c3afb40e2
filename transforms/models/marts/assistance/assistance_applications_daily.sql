{{ config(
    materialized='incremental',
    incremental_strategy='insert_overwrite',
    partition_by='toYYYYMM(day)',
    order_by='(day, district_code, township_code, item_id)'
) }}
{#- 救助申请: applications per day, township and item. Submissions count on the day submitted,
    decisions (办结: approved, rejected or withdrawn) on the day decided, so each kind of event is
    listed on its own day and the lists are then added up. processing_days_sum is the sum of
    calendar days from submission to decision over the decided applications: divide by decided
    for the average processing time. Each application is read once: an array join lists its
    submission and, once decided, its decision. -#}
with events as (
    select
        toDate(assumeNotNull(event.1)) as day,
        district_code,
        township_code,
        item_id,
        item_name,
        item_category,
        department_id,
        department_name,
        event.2 as submitted,
        event.3 as decided,
        toUInt8(event.3 = 1 and status = 'approved') as approved,
        toUInt8(event.3 = 1 and status = 'rejected') as rejected,
        toUInt8(event.3 = 1 and status = 'withdrawn') as withdrawn,
        if(
            event.3 = 1,
            dateDiff('day', toDate(submitted_at), toDate(assumeNotNull(decided_at))),
            toInt64(0)
        ) as processing_days
    from {{ ref('int_assistance_applications_joined') }}
    array join arrayFilter(e -> e.1 is not null, [(submitted_at, 1, 0), (decided_at, 0, 1)]) as event
)

select
    day,
    district_code,
    township_code,
    item_id,
    item_name,
    item_category,
    department_id,
    department_name,
    sum(submitted) as submitted,
    sum(decided) as decided,
    sum(approved) as approved,
    sum(rejected) as rejected,
    sum(withdrawn) as withdrawn,
    sum(processing_days) as processing_days_sum
from events
{% if is_incremental() %}
-- A night recomputes the months its changed applications have an event in, and replaces those partitions.
where {{ in_changed_months('day', source('assistance', 'applications'), 'id', ['submitted_at', 'decided_at']) }}
{% endif %}
group by
    day,
    district_code,
    township_code,
    item_id,
    item_name,
    item_category,
    department_id,
    department_name
