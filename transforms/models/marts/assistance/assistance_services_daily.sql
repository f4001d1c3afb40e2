{{ config(
    materialized='incremental',
    incremental_strategy='insert_overwrite',
    partition_by='toYYYYMM(day)',
    order_by='(day, district_code, township_code, service_type)'
) }}
{#- 物质+服务 救助: services delivered per day, township and service type. -#}
select
    toDate(served_at) as day,
    district_code,
    township_code,
    service_type,
    count() as services
from {{ ref('int_assistance_services_located') }}
{% if is_incremental() %}
-- A night recomputes the months of the services it changed, and replaces those partitions.
where {{ in_changed_months('served_at', source('assistance', 'service_records'), 'id', ['served_at']) }}
{% endif %}
group by
    day,
    district_code,
    township_code,
    service_type
