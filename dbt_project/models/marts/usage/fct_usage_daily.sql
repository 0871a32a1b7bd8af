with

usage_daily as (select * from {{ ref('int_usage_aggregated_daily') }}),

final as (
    select
        usage_date,
        tenant_id,
        package_id,
        metric_id,
        event_count,
        quantity
    from usage_daily
)

select * from final
