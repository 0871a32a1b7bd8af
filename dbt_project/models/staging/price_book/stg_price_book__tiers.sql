with

source as (select * from {{ source('price_book', 'tiers') }}),

versions as ({{ price_book_version_bounds() }}),

renamed as (
    select
        price_id,
        cast(tier_index as integer) as tier_index,
        -- NULL is `up_to: inf`.
        cast(up_to as decimal(38, 9)) as up_to,
        cast(unit_amount as decimal(38, 12)) as unit_amount,
        cast(flat_amount as decimal(38, 12)) as flat_amount,
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
