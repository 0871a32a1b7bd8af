{{ config(
    materialized=usage_materialization(),
    incremental_strategy='delete+insert',
    unique_key=['tenant_id', 'period_start_date'],
    on_schema_change='append_new_columns',
    pre_hook="{{ drop_rows_rated_with_other_prices(ref('int_prices_joined_to_metrics')) }}",
) }}

-- The metric quantity q of DESIGN 3.2 step 1, per (tenant, UTC month, price), in one scan of the events:
-- each event is resolved to its price first (a package-specific price of its metric wins, else the
-- metric's generic price, else it stays unrated), then every aggregation is computed in the same pass
-- and the price's own is picked. Counting per price instead would scan the events once per price.
-- latest and weighted_sum read each event's quantity as a reading of a level and need the readings in
-- time order: only their events go through a window (decision 0701). A percentage price's fee is summed
-- per event here, because its per-event minimum and maximum apply to each event, not to the total.
-- Incremental (macros/incremental.sql): a build replaces only the tenant-months new batches reach, late
-- ones included; rows rated with other prices (a new price-book version) are dropped first and recomputed.
-- In a reached month, the aggregates that add up (count, sum, max, the percentage fees) are the kept row
-- combined with the new events' own; the others (unique_count, latest, weighted_sum) are recomputed from
-- every event of the month (decision 0095). Exact either way: decimals add without rounding.
{%- set recomputed = recomputed_aggregations() %}
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

{% if is_incremental() %}
    touched as (
        -- Tenant-months reached by events loaded since the last build (macros/incremental.sql).
        {{ usage_touched_keys('month', 'period_start_date') }}
    ),
{% endif %}

events_dated as (
    -- The new events, and every event of a metric some price of which is recomputed (macros/incremental.sql).
    {{ usage_events_by_month('events', 'touched', 'prices') }}
),

events_scoped as (
    -- Each month is rated by the price-book version in force in it (issue 15).
    select
        events_dated.event_id,
        events_dated.tenant_id,
        events_dated.metric_id,
        events_dated.quantity,
        events_dated.properties,
        events_dated.occurred_at,
        events_dated.loaded_at,
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
        events_scoped.event_id,
        events_scoped.tenant_id,
        events_scoped.period_start_date,
        events_scoped.occurred_at,
        events_scoped.loaded_at,
        prices.price_id,
        prices.aggregation,
        events_scoped.quantity,
        case
            when prices.aggregation = 'unique_count'
                then {{ json_extract_text('events_scoped.properties', 'prices.property') }}
        end as property_value,
        case
            when prices.billing_scheme = 'percentage'
                then {{ percentage_event_fee(
                    'events_scoped.quantity',
                    'prices.percentage_rate_fraction',
                    'prices.percentage_fixed_amount',
                    'prices.percentage_per_event_minimum_amount',
                    'prices.percentage_per_event_maximum_amount',
                ) }}
        end as percentage_fee_amount
    from events_scoped
    inner join prices
        on
            events_scoped.metric_id = prices.metric_id
            and events_scoped.scope_package_id is not distinct from prices.package_id
            and {{ price_book_in_force('prices', 'events_scoped.period_start_date') }}
    {% if is_incremental() %}
        -- A price that adds up sees only the new events: the kept row holds the earlier ones.
        where prices.aggregation in {{ recomputed }} or events_scoped.loaded_at > {{ usage_watermark() }}
    {% endif %}
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
        count(distinct property_value) as property_value_count,
        sum(percentage_fee_amount) as percentage_fee_amount,
        max(loaded_at) as loaded_through
    from events_priced
    group by tenant_id, period_start_date, price_id, aggregation
),

readings_aggregated as (
    -- latest and weighted_sum: the level each reading sets, per tenant, month and price
    -- (macros/rating_readings.sql).
    {{ readings_aggregated('events_priced', ['tenant_id', 'period_start_date', 'price_id']) }}
),

computed as (
    select
        aggregated.tenant_id,
        aggregated.period_start_date,
        aggregated.price_id,
        aggregated.aggregation,
        cast(aggregated.event_count as bigint) as event_count,
        cast(
            case aggregated.aggregation
                when 'count' then cast(aggregated.event_count as decimal(38, 9))
                when 'sum' then aggregated.quantity_sum
                when 'max' then aggregated.quantity_max
                when 'unique_count' then cast(aggregated.property_value_count as decimal(38, 9))
                when 'latest' then readings_aggregated.quantity_latest
                when 'weighted_sum'
                    then {{ divide_quantity_half_up(
                        'readings_aggregated.quantity_seconds', 'readings_aggregated.month_seconds'
                    ) }}
            end as decimal(38, 9)
        ) as quantity,
        -- Percentage prices: the sum of each event's fee, unrounded; NULL for other prices.
        cast(aggregated.percentage_fee_amount as decimal(38, 21)) as percentage_fee_amount,
        -- Incremental bookkeeping (macros/incremental.sql): the newest event summarised.
        aggregated.loaded_through
    from aggregated
    left join readings_aggregated
        on
            aggregated.tenant_id = readings_aggregated.tenant_id
            and aggregated.period_start_date = readings_aggregated.period_start_date
            and aggregated.price_id = readings_aggregated.price_id
),

{% if is_incremental() %}
    kept as (
        -- The reached months' rows of prices that add up, as the last build left them.
        select
            previous.tenant_id,
            previous.period_start_date,
            previous.price_id,
            prices.aggregation,
            previous.event_count,
            previous.quantity,
            previous.percentage_fee_amount,
            previous.loaded_through
        from {{ this }} as previous
        inner join touched
            on
                previous.tenant_id = touched.tenant_id
                and previous.period_start_date = touched.period_start_date
        inner join prices
            on
                previous.price_id = prices.price_id
                and {{ price_book_in_force('prices', 'previous.period_start_date') }}
        where prices.aggregation not in {{ recomputed }}
    ),

    added_up as (
        -- Kept row and new events' aggregate combined: counts and sums add, maxima take the larger.
        select
            coalesce(new.tenant_id, kept.tenant_id) as tenant_id,
            coalesce(new.period_start_date, kept.period_start_date) as period_start_date,
            coalesce(new.price_id, kept.price_id) as price_id,
            coalesce(new.aggregation, kept.aggregation) as aggregation,
            cast(coalesce(new.event_count, 0) + coalesce(kept.event_count, 0) as bigint) as event_count,
            cast(
                case
                    when kept.quantity is null then new.quantity
                    when new.quantity is null then kept.quantity
                    when coalesce(new.aggregation, kept.aggregation) = 'max'
                        then case when new.quantity > kept.quantity then new.quantity else kept.quantity end
                    else new.quantity + kept.quantity
                end as decimal(38, 9)
            ) as quantity,
            cast(
                case
                    when kept.percentage_fee_amount is null then new.percentage_fee_amount
                    when new.percentage_fee_amount is null then kept.percentage_fee_amount
                    else new.percentage_fee_amount + kept.percentage_fee_amount
                end as decimal(38, 21)
            ) as percentage_fee_amount,
            case
                when kept.loaded_through is null or new.loaded_through > kept.loaded_through
                    then new.loaded_through
                else kept.loaded_through
            end as loaded_through
        from (
            select * from computed
            where aggregation not in {{ recomputed }}
        ) as new
        full outer join kept
            on
                new.tenant_id = kept.tenant_id
                and new.period_start_date = kept.period_start_date
                and new.price_id = kept.price_id
    ),

    combined as (
        select * from computed
        where aggregation in {{ recomputed }}
        union all
        select * from added_up
    ),
{% endif %}

final as (
    select
        tenant_id,
        period_start_date,
        price_id,
        event_count,
        quantity,
        percentage_fee_amount,
        loaded_through,
        -- The prices these rows were rated with (macros/incremental.sql).
        {{ rows_fingerprint('prices') }} as prices_fingerprint
    from {{ 'combined' if is_incremental() else 'computed' }}
)

select * from final
