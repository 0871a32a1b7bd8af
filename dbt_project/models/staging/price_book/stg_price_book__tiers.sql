with

source as (select * from {{ source('price_book', 'tiers') }}),

renamed as (
    select
        price_id,
        cast(tier_index as integer) as tier_index,
        -- NULL is `up_to: inf`.
        cast(up_to as decimal(38, 9)) as up_to,
        cast(unit_amount as decimal(38, 12)) as unit_amount,
        cast(flat_amount as decimal(38, 12)) as flat_amount
    from source
)

select * from renamed
