-- Usage per UTC day across the platform: the Overview's events per day and its today / yesterday tiles.
with

usage_daily as (select * from {{ ref('fct_usage_daily') }}),

final as (
    select
        usage_date,
        cast(sum(event_count) as bigint) as event_count,
        cast(count(distinct tenant_id) as bigint) as active_tenants
    from usage_daily
    group by usage_date
)

select * from final
