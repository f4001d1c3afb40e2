{#- 人民调解委员会 at the data date: committees established by then and their mediators, by township
    and kind. -#}
{{ config(order_by='(district_code, township_code, committee_kind)') }}
select
    d.data_date as data_date,
    t.district_code as district_code,
    c.township_code as township_code,
    c.committee_kind as committee_kind,
    count() as committees,
    sum(c.mediator_count) as mediators
from {{ ref('stg_community__mediation_committees') }} as c
inner join {{ ref('areas_townships') }} as t on t.code = c.township_code
cross join {{ ref('int_data_date') }} as d
where c.established_on <= d.data_date
group by
    d.data_date,
    t.district_code,
    c.township_code,
    c.committee_kind
