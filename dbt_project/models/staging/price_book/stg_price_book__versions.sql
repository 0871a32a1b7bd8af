-- Every price-book version, one row each: a version rates the months from effective_from_date (NULL: the
-- file price book, from the beginning) until effective_until_date (NULL: the latest, from then on).
with

source as (select * from {{ source('price_book', 'settings') }}),

versions as ({{ price_book_version_bounds() }}),

renamed as (
    select
        lower(currency) as currency,
        {{ currency_minor_units('currency') }} as minor_units,
        source_uri,
        content_sha256,
        cast(loaded_at as timestamp) as loaded_at,
        cast(effective_from as date) as effective_from_date
    from source
),

final as (
    select
        renamed.*,
        versions.effective_until_date
    from renamed
    left join versions on renamed.effective_from_date is not distinct from versions.effective_from_date
)

select * from final
