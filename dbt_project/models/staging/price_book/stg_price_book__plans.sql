with

source as (select * from {{ source('price_book', 'plans') }}),

renamed as (
    select
        plan_id,
        cast(amount as decimal(38, 12)) as plan_amount
    from source
)

select * from renamed
