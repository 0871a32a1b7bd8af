with

source as (select * from {{ source('operational', 'publishers') }}),

renamed as (
    select
        publisher_id,
        name as publisher_name,
        cast(created_at as timestamp) as created_at
    from source
)

select * from renamed
