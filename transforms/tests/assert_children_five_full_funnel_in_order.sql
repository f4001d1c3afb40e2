-- The 五全 steps come in order, and only suspected cases take them: in every township and category,
-- suspected ≥ visited (全走访) ≥ verified (全核查) ≥ filed (全建档) ≥ measures (全落实) ≥ monitored
-- (全监测), and suspected ≤ records. Any row returned is a failure.
select
    township_code,
    category,
    records,
    suspected,
    visited,
    verified,
    filed,
    measures,
    monitored
from {{ ref('children_by_township') }}
where not (
    records >= suspected
    and suspected >= visited
    and visited >= verified
    and verified >= filed
    and filed >= measures
    and measures >= monitored
)
