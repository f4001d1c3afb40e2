select
    id as order_id,
    order_no,
    elder_id,
    facility_id,
    township_code,
    ordered_on,
    toYear(ordered_on) as order_year,
    meal,
    amount,
    subsidy,
    updated_at,
    _loaded_at as loaded_at
from {{ source('elderly', 'meal_orders') }} final
where _deleted = 0
