with

source as (select * from {{ source('price_book', 'prices') }}),

versions as ({{ price_book_version_bounds() }}),

renamed as (
    select
        price_id,
        metric_id,
        package_id,
        lower(billing_scheme) as billing_scheme,
        lower(tiers_mode) as tiers_mode,
        cast(unit_amount as decimal(38, 12)) as unit_amount,
        cast(coalesce(free_units, 0) as decimal(38, 9)) as free_units,
        cast(minimum_amount as decimal(38, 12)) as minimum_amount,
        cast(revenue_share as decimal(9, 6)) as revenue_share,
        cast(transform_divide_by as decimal(38, 9)) as transform_divide_by,
        lower(transform_round) as transform_round,
        -- percentage prices (Lago's percentage charge): rate in percent, the rest money per event.
        cast(percentage_rate as decimal(38, 12)) as percentage_rate,
        cast(percentage_fixed_amount as decimal(38, 12)) as percentage_fixed_amount,
        cast(percentage_per_event_minimum_amount as decimal(38, 12)) as percentage_per_event_minimum_amount,
        cast(percentage_per_event_maximum_amount as decimal(38, 12)) as percentage_per_event_maximum_amount,
        cast(effective_from as date) as effective_from_date
    from source
),

final as (
    -- One row per version of the book: effective_until_date is the next version's effective_from.
    select
        renamed.*,
        versions.effective_until_date
    from renamed
    left join versions on renamed.effective_from_date is not distinct from versions.effective_from_date
)

select * from final
