{{ config(materialized='table', order_by='tuple()') }}
{#- A table of a few rows, not a view: many marts and tests read it, and as a view each read would
    scan the big staging models again. -#}
{#- One row per month of the history, from the earliest activity to the data date. month is the
    first day; month_end the last day, or the data date for the current month (a month-end snapshot
    of a month still running is taken at the data date). -#}
with bounds as (
    select
        toStartOfMonth(toDate('{{ var("history_start", "2020-01-01") }}')) as first_month,
        data_date
    from {{ ref('int_data_date') }}
)
select
    addMonths(greatest(first_month, toStartOfMonth(addYears(data_date, -2))), number) as month,
    least(toLastDayOfMonth(month), data_date) as month_end
from bounds
array join range(toUInt32(dateDiff('month', greatest(first_month, toStartOfMonth(addYears(data_date, -2))), toStartOfMonth(data_date)) + 1)) as number
