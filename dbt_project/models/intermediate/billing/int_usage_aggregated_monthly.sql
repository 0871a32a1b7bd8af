{{ config(materialized='table') }}

-- The metric quantity q of DESIGN 3.2 step 1, per (tenant, UTC month, price), in one scan of the events:
-- each event is resolved to its price first (a package-specific price of its metric wins, else the
-- metric's generic price, else it stays unrated), then every aggregation is computed in the same pass
-- and the price's own is picked. Counting per price instead would scan the events once per price.
with

events as (select * from {{ ref('stg_usage__events') }}),
prices as (select * from {{ ref('int_prices_joined_to_metrics') }}),

package_scopes as (
    -- (metric, package) pairs that a package-specific price claims, per price-book version; generic prices
    -- rate the rest.
    select distinct
        metric_id,
        package_id,
        effective_from_date,
        effective_until_date
    from prices
    where package_id is not null
),

events_dated as (
    select
        tenant_id,
        metric_id,
        package_id,
        quantity,
        properties,
        cast({{ dbt.date_trunc('month', 'occurred_at') }} as date) as period_start_date
    from events
),

events_scoped as (
    -- Each month is rated by the price-book version in force in it (issue 15).
    select
        events_dated.tenant_id,
        events_dated.metric_id,
        events_dated.quantity,
        events_dated.properties,
        package_scopes.package_id as scope_package_id,
        events_dated.period_start_date
    from events_dated
    left join package_scopes
        on
            events_dated.metric_id = package_scopes.metric_id
            and events_dated.package_id = package_scopes.package_id
            and {{ price_book_in_force('package_scopes', 'events_dated.period_start_date') }}
),

events_priced as (
    select
        events_scoped.tenant_id,
        events_scoped.period_start_date,
        prices.price_id,
        prices.aggregation,
        events_scoped.quantity,
        case
            when prices.aggregation = 'unique_count'
                then {{ json_extract_text('events_scoped.properties', 'prices.property') }}
        end as property_value
    from events_scoped
    inner join prices
        on
            events_scoped.metric_id = prices.metric_id
            and events_scoped.scope_package_id is not distinct from prices.package_id
            and {{ price_book_in_force('prices', 'events_scoped.period_start_date') }}
),

aggregated as (
    select
        tenant_id,
        period_start_date,
        price_id,
        aggregation,
        count(*) as event_count,
        sum(quantity) as quantity_sum,
        max(quantity) as quantity_max,
        count(distinct property_value) as property_value_count
    from events_priced
    group by tenant_id, period_start_date, price_id, aggregation
),

final as (
    select
        tenant_id,
        period_start_date,
        price_id,
        cast(event_count as bigint) as event_count,
        cast(
            case aggregation
                when 'count' then cast(event_count as decimal(38, 9))
                when 'sum' then quantity_sum
                when 'max' then quantity_max
                when 'unique_count' then cast(property_value_count as decimal(38, 9))
            end as decimal(38, 9)
        ) as quantity
    from aggregated
)

select * from final
