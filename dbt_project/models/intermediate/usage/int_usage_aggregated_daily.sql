{{ config(
    materialized=usage_materialization(),
    incremental_strategy='delete+insert',
    unique_key=['tenant_id', 'usage_date'],
    on_schema_change='append_new_columns',
) }}

-- Usage per UTC day, tenant, package and metric: the second (and last) scan of the events. Everything
-- daily or coarser that does not depend on prices (BI marts, tenant activity) reads this instead.
-- Incremental (macros/incremental.sql): a build replaces only the tenant-days new batches reach. Every
-- aggregate here adds up, so a reached tenant-day is its kept rows combined with the new events' own: the
-- events loaded before the watermark are not read again (decision 0095).
with

events as (select * from {{ ref('stg_usage__events') }}),

{% if is_incremental() %}
    touched as (
        -- Tenant-days reached by events loaded since the last build (macros/incremental.sql).
        {{ usage_touched_keys('day', 'usage_date') }}
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
        where events.loaded_at > {{ usage_watermark() }}
    {% endif %}
),

aggregated as (
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
),

{% if is_incremental() %}
    kept as (
        -- The reached tenant-days' rows as the last build left them.
        select
            previous.usage_date,
            previous.tenant_id,
            previous.package_id,
            previous.metric_id,
            previous.event_count,
            previous.quantity,
            previous.loaded_through
        from {{ this }} as previous
        inner join touched
            on
                previous.tenant_id = touched.tenant_id
                and previous.usage_date = touched.usage_date
    ),

    final as (
        -- Kept rows and the new events' aggregates combined (package_id is NULL for platform services).
        select
            coalesce(new.usage_date, kept.usage_date) as usage_date,
            coalesce(new.tenant_id, kept.tenant_id) as tenant_id,
            coalesce(new.package_id, kept.package_id) as package_id,
            coalesce(new.metric_id, kept.metric_id) as metric_id,
            cast(coalesce(new.event_count, 0) + coalesce(kept.event_count, 0) as bigint) as event_count,
            cast(coalesce(new.quantity, 0) + coalesce(kept.quantity, 0) as decimal(38, 9)) as quantity,
            case
                when kept.loaded_through is null or new.loaded_through > kept.loaded_through
                    then new.loaded_through
                else kept.loaded_through
            end as loaded_through
        from aggregated as new
        full outer join kept
            on
                new.usage_date = kept.usage_date
                and new.tenant_id = kept.tenant_id
                and new.package_id is not distinct from kept.package_id
                and new.metric_id = kept.metric_id
    )
{% else %}
    final as (select * from aggregated)
{% endif %}

select * from final
