-- Usage per UTC calendar month, tenant, package and metric, whether or not a price rates it: the events'
-- quantities summed (quantity), and the month's quantity by the metric's aggregation (metric_quantity).
with

usage_monthly as (select * from {{ ref('int_usage_metric_monthly') }}),

final as (
    select
        {{ format_period('period_start_date') }} as period,
        period_start_date,
        tenant_id,
        package_id,
        metric_id,
        event_count,
        quantity_sum as quantity,
        aggregation,
        metric_quantity
    from usage_monthly
)

select * from final
