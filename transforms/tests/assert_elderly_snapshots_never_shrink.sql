-- Institutions and service facilities only open (a closed one is deleted from the platform and leaves
-- every month), so a township's month-end count never falls from one month to the next.
select
    'institutions' as registry,
    cur.month,
    cur.township_code,
    '' as facility_kind,
    prev.institutions as previous,
    cur.institutions as current
from {{ ref('elderly_institutions_monthly') }} as cur
inner join {{ ref('elderly_institutions_monthly') }} as prev
    on prev.township_code = cur.township_code
    and addMonths(prev.month, 1) = cur.month
where cur.institutions < prev.institutions
    or cur.medical_integrated < prev.medical_integrated

union all

select
    'facilities' as registry,
    cur.month,
    cur.township_code,
    cur.facility_kind,
    prev.facilities as previous,
    cur.facilities as current
from {{ ref('elderly_facilities_monthly') }} as cur
inner join {{ ref('elderly_facilities_monthly') }} as prev
    on prev.township_code = cur.township_code
    and prev.facility_kind = cur.facility_kind
    and addMonths(prev.month, 1) = cur.month
where cur.facilities < prev.facilities
