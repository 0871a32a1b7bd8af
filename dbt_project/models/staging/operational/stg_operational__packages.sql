with

source as (select * from {{ source('operational', 'packages') }}),

renamed as (
    select
        package_id,
        name as package_name,
        publisher_id,
        category,
        cast(created_at as timestamp) as created_at
    from source
)

select * from renamed
