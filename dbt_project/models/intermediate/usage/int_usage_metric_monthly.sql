{{ config(
    materialized=usage_materialization(),
    incremental_strategy='delete+insert',
    unique_key=['tenant_id', 'period_start_date'],
    on_schema_change='append_new_columns',
    pre_hook="{{ drop_rows_rated_with_other_prices(ref('stg_price_book__metrics'), 'metrics_fingerprint') }}",
) }}

-- Usage per UTC month, tenant, package and metric, with the month's quantity by the metric's own aggregation
-- (DESIGN 3.2 step 1's q, over this package's events): a max metric's month is its largest reading, a
-- unique_count metric's month its distinct values, not the sum of its days. What the usage API and the
-- portal report as a tenant's usage (decision 0096); invoices rate int_usage_aggregated_monthly, per price.
-- Incremental as int_usage_aggregated_monthly (macros/incremental.sql, decision 0095): in a tenant-month new
-- batches reach, count, sum and max combine the kept row with the new events'; unique_count, latest and
-- weighted_sum are recomputed from every event of the month. A new price-book version (other metrics)
-- empties the table first, so every month is recomputed with the aggregation in force in it.
{%- set recomputed = recomputed_aggregations() %}
{%- set grain = ['tenant_id', 'period_start_date', 'package_id', 'metric_id'] %}
with

events as (select * from {{ ref('stg_usage__events') }}),
metrics as (select * from {{ ref('stg_price_book__metrics') }}),

{% if is_incremental() %}
    touched as (
        -- Tenant-months reached by events loaded since the last build (macros/incremental.sql).
        {{ usage_touched_keys('month', 'period_start_date') }}
    ),
{% endif %}

events_dated as (
    -- The new events, and every event of a metric that some version recomputes (macros/incremental.sql).
    {{ usage_events_by_month('events', 'touched', 'metrics') }}
),

events_measured as (
    -- The metric's definition in the version in force in the event's month; NULL aggregation for a metric
    -- that version does not define (its quantity is then the sum).
    select
        events_dated.*,
        metrics.aggregation,
        case
            when metrics.aggregation = 'unique_count'
                then {{ json_extract_text('events_dated.properties', 'metrics.property') }}
        end as property_value
    from events_dated
    left join metrics
        on
            events_dated.metric_id = metrics.metric_id
            and {{ price_book_in_force('metrics', 'events_dated.period_start_date') }}
    {% if is_incremental() %}
        -- A metric that adds up sees only the new events: the kept row holds the earlier ones.
        where
            metrics.aggregation in {{ recomputed }}
            or events_dated.loaded_at > {{ usage_watermark() }}
    {% endif %}
),

aggregated as (
    select
        tenant_id,
        period_start_date,
        package_id,
        metric_id,
        aggregation,
        count(*) as event_count,
        sum(quantity) as quantity_sum,
        max(quantity) as quantity_max,
        count(distinct property_value) as property_value_count,
        max(loaded_at) as loaded_through
    from events_measured
    group by tenant_id, period_start_date, package_id, metric_id, aggregation
),

readings_aggregated as (
    -- latest and weighted_sum, as int_usage_aggregated_monthly reads them (rating_readings.sql).
    {{ readings_aggregated('events_measured', grain) }}
),

computed as (
    select
        aggregated.tenant_id,
        aggregated.period_start_date,
        aggregated.package_id,
        aggregated.metric_id,
        aggregated.aggregation,
        cast(aggregated.event_count as bigint) as event_count,
        cast(aggregated.quantity_sum as decimal(38, 9)) as quantity_sum,
        cast(aggregated.quantity_max as decimal(38, 9)) as quantity_max,
        -- Only for the aggregations that do not add up; the others are read off the three columns above.
        cast(
            case aggregated.aggregation
                when 'unique_count' then cast(aggregated.property_value_count as decimal(38, 9))
                when 'latest' then readings_aggregated.quantity_latest
                when 'weighted_sum'
                    then {{ divide_quantity_half_up(
                        'readings_aggregated.quantity_seconds', 'readings_aggregated.month_seconds'
                    ) }}
            end as decimal(38, 9)
        ) as recomputed_quantity,
        aggregated.loaded_through
    from aggregated
    left join readings_aggregated
        on
            aggregated.tenant_id = readings_aggregated.tenant_id
            and aggregated.period_start_date = readings_aggregated.period_start_date
            and aggregated.package_id is not distinct from readings_aggregated.package_id
            and aggregated.metric_id = readings_aggregated.metric_id
),

{% if is_incremental() %}
    kept as (
        -- The reached months' rows of metrics that add up, as the last build left them.
        select previous.*
        from {{ this }} as previous
        inner join touched
            on
                previous.tenant_id = touched.tenant_id
                and previous.period_start_date = touched.period_start_date
        where previous.aggregation is null or previous.aggregation not in {{ recomputed }}
    ),

    added_up as (
        -- Kept row and new events' aggregate combined: counts and sums add, maxima take the larger.
        select
            coalesce(new.tenant_id, kept.tenant_id) as tenant_id,
            coalesce(new.period_start_date, kept.period_start_date) as period_start_date,
            coalesce(new.package_id, kept.package_id) as package_id,
            coalesce(new.metric_id, kept.metric_id) as metric_id,
            coalesce(new.aggregation, kept.aggregation) as aggregation,
            cast(coalesce(new.event_count, 0) + coalesce(kept.event_count, 0) as bigint) as event_count,
            cast(
                coalesce(new.quantity_sum, 0) + coalesce(kept.quantity_sum, 0) as decimal(38, 9)
            ) as quantity_sum,
            cast(
                case
                    when kept.quantity_max is null or new.quantity_max > kept.quantity_max
                        then new.quantity_max
                    else kept.quantity_max
                end as decimal(38, 9)
            ) as quantity_max,
            cast(null as decimal(38, 9)) as recomputed_quantity,
            case
                when kept.loaded_through is null or new.loaded_through > kept.loaded_through
                    then new.loaded_through
                else kept.loaded_through
            end as loaded_through
        from (
            select * from computed
            where aggregation is null or aggregation not in {{ recomputed }}
        ) as new
        full outer join kept
            on
                new.tenant_id = kept.tenant_id
                and new.period_start_date = kept.period_start_date
                and new.package_id is not distinct from kept.package_id
                and new.metric_id = kept.metric_id
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
        package_id,
        metric_id,
        aggregation,
        event_count,
        quantity_sum,
        quantity_max,
        cast(
            case
                when aggregation = 'count' then cast(event_count as decimal(38, 9))
                when aggregation = 'max' then quantity_max
                when aggregation in {{ recomputed }} then recomputed_quantity
                else quantity_sum
            end as decimal(38, 9)
        ) as metric_quantity,
        recomputed_quantity,
        loaded_through,
        -- The metric definitions these rows were measured with (macros/incremental.sql).
        {{ rows_fingerprint('metrics') }} as metrics_fingerprint
    from {{ 'combined' if is_incremental() else 'computed' }}
)

select * from final
