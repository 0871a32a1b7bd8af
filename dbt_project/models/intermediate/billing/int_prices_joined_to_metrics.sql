-- One row per usage price and price-book version with everything rating needs: the metric's aggregation (of
-- the same version), the currency, and the months the version rates ([effective_from, effective_until)).
with

prices as (select * from {{ ref('stg_price_book__prices') }}),
metrics as (select * from {{ ref('stg_price_book__metrics') }}),
settings as (select * from {{ ref('stg_price_book__settings') }}),

final as (
    select
        prices.price_id,
        prices.metric_id,
        prices.package_id,
        metrics.aggregation,
        metrics.property,
        prices.billing_scheme,
        prices.tiers_mode,
        prices.unit_amount,
        prices.free_units,
        prices.minimum_amount,
        prices.revenue_share,
        prices.transform_divide_by,
        prices.transform_round,
        -- The rate as a fraction, exactly: a rate has at most 10 decimal places (billing/price_book.py).
        cast(
            prices.percentage_rate * cast(0.01 as decimal(3, 2)) as decimal(38, 12)
        ) as percentage_rate_fraction,
        prices.percentage_fixed_amount,
        prices.percentage_per_event_minimum_amount,
        prices.percentage_per_event_maximum_amount,
        settings.currency,
        settings.minor_units,
        prices.effective_from_date,
        prices.effective_until_date
    from prices
    inner join metrics
        on
            prices.metric_id = metrics.metric_id
            and prices.effective_from_date is not distinct from metrics.effective_from_date
    cross join settings
)

select * from final
