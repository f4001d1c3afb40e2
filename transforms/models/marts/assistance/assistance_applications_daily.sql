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
    for the average processing time. -#}
with applications as (
    select * from {{ ref('int_assistance_applications_joined') }}
),

submissions as (
    select
        toDate(submitted_at) as day,
        district_code,
        township_code,
        item_id,
        item_name,
        item_category,
        department_id,
        department_name,
        1 as submitted,
        0 as decided,
        0 as approved,
        0 as rejected,
        0 as withdrawn,
        toInt64(0) as processing_days
    from applications
),

decisions as (
    select
        toDate(assumeNotNull(decided_at)) as day,
        district_code,
        township_code,
        item_id,
        item_name,
        item_category,
        department_id,
        department_name,
        0 as submitted,
        1 as decided,
        toUInt8(status = 'approved') as approved,
        toUInt8(status = 'rejected') as rejected,
        toUInt8(status = 'withdrawn') as withdrawn,
        dateDiff('day', toDate(submitted_at), toDate(assumeNotNull(decided_at))) as processing_days
    from applications
    where decided_at is not null
),

events as (
    select * from submissions
    union all
    select * from decisions
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
