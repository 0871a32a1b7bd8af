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
        cast(loaded_at as timestamp) as loaded_at
    from source
)

select * from renamed
