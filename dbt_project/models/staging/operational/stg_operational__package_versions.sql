with

source as (select * from {{ source('operational', 'package_versions') }}),

renamed as (
    select
        package_id,
        version,
        lower(status) as status,
        cast(published_at as timestamp) as published_at
    from source
)

select * from renamed
