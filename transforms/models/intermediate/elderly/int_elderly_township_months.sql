{#- The elderly marts' monthly grid: every township of the area seeds in every reporting month, so a
    township with nothing to count still has its row (a zero, not a gap, in charts and comparisons). -#}
select
    m.month as month,
    m.month_end as month_end,
    t.district_code as district_code,
    t.code as township_code
from {{ ref('int_months') }} as m
cross join {{ ref('areas_townships') }} as t
