{#- 慈善组织 at the data date: organisations registered by then, and those with the pre-tax deduction
    qualification (公益性捐赠税前扣除资格), by township and kind. -#}
{{ config(order_by='(district_code, township_code, org_kind)') }}
select
    d.data_date as data_date,
    t.district_code as district_code,
    o.township_code as township_code,
    o.org_kind as org_kind,
    count() as orgs,
    countIf(o.tax_deductible) as tax_deductible
from {{ ref('stg_charity__charity_orgs') }} as o
inner join {{ ref('areas_townships') }} as t on t.code = o.township_code
cross join {{ ref('int_data_date') }} as d
where o.registered_on <= d.data_date
group by
    d.data_date,
    t.district_code,
    o.township_code,
    o.org_kind
