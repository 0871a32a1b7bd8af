{{ config(materialized='table') }}

-- Usage per UTC day, tenant, package and metric: the second (and last) scan of the events. Everything
-- daily or coarser that does not depend on prices (BI marts, tenant activity) reads this instead.
with

events as (select * from {{ ref('stg_usage__events') }}),

final as (
    select
        cast({{ dbt.date_trunc('day', 'occurred_at') }} as date) as usage_date,
        tenant_id,
        package_id,
        metric_id,
        cast(count(*) as bigint) as event_count,
        cast(sum(quantity) as decimal(38, 9)) as quantity
    from events
    group by 1, 2, 3, 4
)

select * from final
