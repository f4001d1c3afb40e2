select
    id as org_id,
    credit_code,
    name as org_name,
    kind as org_kind,
    tax_deductible,
    township_code,
    registered_on,
    updated_at,
    _loaded_at as loaded_at
from {{ source('charity', 'charity_orgs') }} final
where _deleted = 0
