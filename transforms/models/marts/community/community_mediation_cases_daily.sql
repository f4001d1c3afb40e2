{#- 人民调解案件 day by day: cases received (by received_on), resolved 调解成功 and failed 调解不成
    (by closed_on), by township of the handling committee and dispute type. Days without any event
    have no row. -#}
{{ config(order_by='(district_code, township_code, day, dispute_type)') }}
select
    e.event_on as day,
    t.district_code as district_code,
    e.township_code as township_code,
    e.dispute_type as dispute_type,
    countIf(e.event = 'received') as received,
    countIf(e.event = 'resolved') as resolved,
    countIf(e.event = 'failed') as failed
from {{ ref('int_mediation_case_events_unioned') }} as e
inner join {{ ref('areas_townships') }} as t on t.code = e.township_code
group by
    e.event_on,
    t.district_code,
    e.township_code,
    e.dispute_type
