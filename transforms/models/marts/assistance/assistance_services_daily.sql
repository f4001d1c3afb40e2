{{ config(order_by='(day, district_code, township_code, service_type)') }}
{#- 物质+服务 救助: services delivered per day, township and service type. -#}
select
    toDate(served_at) as day,
    district_code,
    township_code,
    service_type,
    count() as services
from {{ ref('int_assistance_services_located') }}
group by
    day,
    district_code,
    township_code,
    service_type
