{#- 社区慈善基金 at the data date: funds established by then and their initial amount (yuan), by township. -#}
{{ config(order_by='(district_code, township_code)') }}
select
    d.data_date as data_date,
    t.district_code as district_code,
    f.township_code as township_code,
    count() as funds,
    sum(f.initial_amount) as initial_amount
from {{ ref('stg_charity__community_funds') }} as f
inner join {{ ref('areas_townships') }} as t on t.code = f.township_code
cross join {{ ref('int_data_date') }} as d
where f.established_on <= d.data_date
group by
    d.data_date,
    t.district_code,
    f.township_code
