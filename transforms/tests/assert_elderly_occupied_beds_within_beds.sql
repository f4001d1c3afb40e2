-- An institution cannot house more elders than it has beds: no township-month may show more occupied
-- beds than beds. Any row returned is a failure.
select
    month,
    township_code,
    beds,
    occupied_beds
from {{ ref('elderly_institutions_monthly') }}
where occupied_beds > beds
