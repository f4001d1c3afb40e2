select
    id as donation_id,
    donation_no,
    org_id,
    fund_id,
    project_id,
    donor_type,
    channel,
    township_code,
    amount,
    donated_at,
    updated_at,
    _loaded_at as loaded_at
from {{ source('charity', 'donations') }} final
where _deleted = 0
