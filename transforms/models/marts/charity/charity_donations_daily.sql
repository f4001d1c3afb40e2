{#- 慈善捐赠 day by day (Asia/Shanghai): donations received and their amount (yuan), by township,
    channel and donor type. Refunded donations are not in staging. Days without donations have no row. -#}
{{ config(order_by='(district_code, township_code, day, channel, donor_type)') }}
select
    toDate(d.donated_at) as day,
    t.district_code as district_code,
    d.township_code as township_code,
    d.channel as channel,
    d.donor_type as donor_type,
    count() as donations,
    sum(d.amount) as amount
from {{ ref('stg_charity__donations') }} as d
inner join {{ ref('areas_townships') }} as t on t.code = d.township_code
group by
    day,
    t.district_code,
    d.township_code,
    d.channel,
    d.donor_type
