{#- One row per township, elder and year with an order: the month of the elder's first order there
    that year. An elder counts towards a month's year-to-date beneficiaries from this month on. -#}
select
    township_code,
    elder_id,
    order_year,
    toDate(toStartOfMonth(min(ordered_on))) as first_month
from {{ ref('int_meal_orders_joined_to_areas') }}
group by
    township_code,
    elder_id,
    order_year
