-- A meal's subsidy is at most its price, so a day's subsidy never exceeds its order amount.
select
    day,
    township_code,
    amount,
    subsidy
from {{ ref('elderly_meal_orders_daily') }}
where subsidy > amount
