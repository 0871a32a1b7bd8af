-- One row per usage price with everything rating needs: the metric's aggregation and the currency.
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
        settings.currency,
        settings.minor_units
    from prices
    inner join metrics on prices.metric_id = metrics.metric_id
    cross join settings
)

select * from final
