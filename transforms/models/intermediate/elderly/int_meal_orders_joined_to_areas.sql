{#- Meal orders with the district of their township. The township comes from the order (the serving
    facility's township); the staging relationships test guarantees it is in the area seeds, and the
    code's first six digits stand in should a seed row ever be missing. -#}
select
    o.order_id as order_id,
    o.elder_id as elder_id,
    o.facility_id as facility_id,
    coalesce(t.district_code, substring(o.township_code, 1, 6)) as district_code,
    o.township_code as township_code,
    o.ordered_on as ordered_on,
    o.order_year as order_year,
    o.meal as meal,
    o.amount as amount,
    o.subsidy as subsidy,
    o.loaded_at as loaded_at
from {{ ref('stg_elderly__meal_orders') }} as o
left join {{ ref('areas_townships') }} as t on t.code = o.township_code
