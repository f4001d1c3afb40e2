select
    id as fund_id,
    code as fund_code,
    name as fund_name,
    township_code,
    community_code,
    established_on,
    initial_amount,
    updated_at,
    _loaded_at as loaded_at
from {{ source('charity', 'community_funds') }} final
where _deleted = 0
