-- Year-to-date beneficiaries include the month's, never fall within a year, and in January equal the
-- month's. Any row returned is a failure.
select
    cur.month,
    cur.township_code,
    cur.beneficiaries,
    cur.beneficiaries_ytd,
    prev.beneficiaries_ytd as previous_ytd
from {{ ref('elderly_meal_beneficiaries_monthly') }} as cur
left join {{ ref('elderly_meal_beneficiaries_monthly') }} as prev
    on prev.township_code = cur.township_code
    and addMonths(prev.month, 1) = cur.month
    and toYear(prev.month) = toYear(cur.month)
where cur.beneficiaries > cur.beneficiaries_ytd
    or (toMonth(cur.month) = 1 and cur.beneficiaries <> cur.beneficiaries_ytd)
    or cur.beneficiaries_ytd < prev.beneficiaries_ytd
