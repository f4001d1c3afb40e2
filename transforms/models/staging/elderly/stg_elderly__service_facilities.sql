select
    id as facility_id,
    code as facility_code,
    kind as facility_kind,
    name as facility_name,
    township_code,
    community_code,
    floor_area_m2,
    opened_on,
    updated_at,
    _loaded_at as loaded_at
from {{ source('elderly', 'service_facilities') }} final
where _deleted = 0
