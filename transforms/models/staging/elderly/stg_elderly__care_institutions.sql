select
    id as institution_id,
    code as institution_code,
    name as institution_name,
    township_code,
    ownership,
    beds,
    occupied_beds,
    medical_integrated,
    opened_on,
    updated_at,
    _loaded_at as loaded_at
from {{ source('elderly', 'care_institutions') }} final
where _deleted = 0
