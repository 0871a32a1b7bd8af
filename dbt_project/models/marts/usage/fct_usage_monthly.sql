-- Usage per UTC calendar month, tenant, package and metric, whether or not a price rates it.
with

usage_daily as (select * from {{ ref('fct_usage_daily') }}),

usage_with_months as (
    select
        tenant_id,
        package_id,
        metric_id,
        event_count,
        quantity,
        cast({{ dbt.date_trunc('month', 'usage_date') }} as date) as period_start_date
    from usage_daily
),

final as (
    select
        {{ format_period('period_start_date') }} as period,
        period_start_date,
        tenant_id,
        package_id,
        metric_id,
        cast(sum(event_count) as bigint) as event_count,
        cast(sum(quantity) as decimal(38, 9)) as quantity
    from usage_with_months
    group by period_start_date, tenant_id, package_id, metric_id
)

select * from final
