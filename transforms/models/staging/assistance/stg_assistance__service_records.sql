select
    id as service_record_id,
    person_id,
    township_code,
    service_type,
    served_at,
    provider,
    updated_at,
    _loaded_at as loaded_at
from {{ source('assistance', 'service_records') }} final
where _deleted = 0
