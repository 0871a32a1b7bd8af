{{ config(
    materialized=usage_materialization(),
    incremental_strategy='delete+insert',
    unique_key=['tenant_id', 'usage_date'],
    on_schema_change='append_new_columns',
) }}

-- Usage per UTC day, tenant, package and metric: the second (and last) scan of the events. Everything
-- daily or coarser that does not depend on prices (BI marts, tenant activity) reads this instead.
-- Incremental (macros/incremental.sql): a build recomputes only the tenant-days new batches reach.
with

events as (select * from {{ ref('stg_usage__events') }}),

{% if is_incremental() %}
    touched as (
        -- Tenant-days reached by events loaded since the last build, late ones included. From the staging
        -- view itself: a CTE read twice is materialized whole by DuckDB.
        select distinct
            tenant_id,
            cast({{ dbt.date_trunc('day', 'occurred_at') }} as date) as usage_date
        from {{ ref('stg_usage__events') }}
        where loaded_at > {{ usage_watermark() }}
    ),
{% endif %}

events_dated as (
    select
        cast({{ dbt.date_trunc('day', 'events.occurred_at') }} as date) as usage_date,
        events.tenant_id,
        events.package_id,
        events.metric_id,
        events.quantity,
        events.loaded_at
    from events
    {% if is_incremental() %}
        inner join touched
            on
                events.tenant_id = touched.tenant_id
                and cast({{ dbt.date_trunc('day', 'events.occurred_at') }} as date) = touched.usage_date
    {% endif %}
),

final as (
    select
        usage_date,
        tenant_id,
        package_id,
        metric_id,
        cast(count(*) as bigint) as event_count,
        cast(sum(quantity) as decimal(38, 9)) as quantity,
        max(loaded_at) as loaded_through
    from events_dated
    group by 1, 2, 3, 4
)

select * from final
