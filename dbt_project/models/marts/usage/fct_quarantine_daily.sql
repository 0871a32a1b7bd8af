-- Quarantined events per landing day, with the last seven landing days and the running total: the
-- Overview's quarantine tiles. A row for every landing day with quarantine, and one for today (atom_today)
-- even when nothing was quarantined today, so "last 7 days" as of today is a single row.
with

quarantine_by_reason as (select * from {{ ref('fct_quarantine_by_reason') }}),

quarantine_by_day as (
    select
        landing_date,
        sum(quarantined) as quarantined
    from quarantine_by_reason
    where landing_date is not null
    group by landing_date
),

days as (
    select landing_date from quarantine_by_day
    union
    select {{ atom_today() }} as landing_date
),

days_with_windows as (
    select
        days.landing_date,
        sum(case when earlier.landing_date = days.landing_date then earlier.quarantined else 0 end)
            as quarantined,
        sum(
            case
                when earlier.landing_date > {{ dbt.dateadd('day', -7, 'days.landing_date') }}
                    then earlier.quarantined
                else 0
            end
        ) as quarantined_last_7_days,
        sum(coalesce(earlier.quarantined, 0)) as quarantined_to_date
    from days
    left join quarantine_by_day as earlier on days.landing_date >= earlier.landing_date
    group by days.landing_date
),

final as (
    select
        landing_date,
        cast(quarantined as bigint) as quarantined,
        cast(quarantined_last_7_days as bigint) as quarantined_last_7_days,
        cast(quarantined_to_date as bigint) as quarantined_to_date
    from days_with_windows
)

select * from final
