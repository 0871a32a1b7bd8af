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

events_dated as (
    select
        cast({{ dbt.date_trunc('day', 'occurred_at') }} as date) as usage_date,
        tenant_id,
        package_id,
        metric_id,
        quantity,
        loaded_at
    from events
),

{% if is_incremental() %}
    touched as (
    -- Tenant-days reached by events loaded since the last build, late ones included.
        select distinct
            tenant_id,
            usage_date
        from events_dated
        where loaded_at > {{ usage_watermark() }}
    ),
{% endif %}

events_in_scope as (
    select events_dated.*
    from events_dated
    {% if is_incremental() %}
        inner join touched
            on
                events_dated.tenant_id = touched.tenant_id
                and events_dated.usage_date = touched.usage_date
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
    from events_in_scope
    group by 1, 2, 3, 4
)

select * from final
