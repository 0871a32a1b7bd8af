-- The price book's currency and its minor units: one row, the latest version's. Every version uses the same
-- currency (billing/price_book.py refuses a version in another), so models that only need the currency read
-- it here; rating picks the version in force per month from the other price_book models.
with

source as (select * from {{ source('price_book', 'settings') }}),

renamed as (
    select
        lower(currency) as currency,
        -- The currency decides the rounding; the loader's own figure is kept for the agreement test.
        {{ currency_minor_units('currency') }} as minor_units,
        cast(minor_units as integer) as loaded_minor_units,
        source_uri,
        content_sha256,
        cast(loaded_at as timestamp) as loaded_at,
        cast(effective_from as date) as effective_from_date,
        row_number() over (order by cast(effective_from as date) desc nulls last) as version_rank
    from source
),

final as (
    select
        currency,
        minor_units,
        loaded_minor_units,
        source_uri,
        content_sha256,
        loaded_at,
        effective_from_date
    from renamed
    where version_rank = 1
)

select * from final
