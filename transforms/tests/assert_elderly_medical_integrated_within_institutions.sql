-- 医养结合 institutions are a subset of the institutions: never more of them than institutions.
select
    month,
    township_code,
    institutions,
    medical_integrated
from {{ ref('elderly_institutions_monthly') }}
where medical_integrated > institutions
