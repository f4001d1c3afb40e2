{{ config(materialized='table', order_by='tuple()') }}
{#- A table of a few rows, not a view: many marts and tests read it, and as a view each read would
    scan the big staging models again. -#}
{#- The data date (数据截至): the last day the operational systems recorded activity. Marts snapshot
    stocks at this date and end their month series here; every export carries it. -#}
select
    max(day) as data_date
from (
    select toDate(max(updated_at)) as day from {{ ref('stg_assistance__persons') }}
    union all
    select max(ordered_on) as day from {{ ref('stg_elderly__meal_orders') }}
    union all
    select toDate(max(updated_at)) as day from {{ ref('stg_charity__donations') }}
)
