{{ config(
    materialized='incremental',
    incremental_strategy='insert_overwrite',
    partition_by='toYYYYMM(day)',
    order_by='(day, township_code)'
) }}
{#- 助餐订单 per day and township: orders, order amount and subsidy, and the elders who ordered as a
    uniqExact state, so distinct beneficiaries over any period and area are uniqExactMerge(elders_state).
    Sixteen million orders a year: a night recomputes only the months its changes touch and replaces
    those partitions; the other months stay as built. -#}
select
    ordered_on as day,
    district_code,
    township_code,
    count(*) as orders,
    sum(amount) as amount,
    sum(subsidy) as subsidy,
    uniqExactState(elder_id) as elders_state
from {{ ref('int_meal_orders_joined_to_areas') }}
{% if is_incremental() %}
where {{ in_changed_months('ordered_on', source('elderly', 'meal_orders'), 'id', ['ordered_on']) }}
{% endif %}
group by
    day,
    district_code,
    township_code
