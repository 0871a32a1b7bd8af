with

source as (select * from {{ source('operational', 'tenants') }}),

renamed as (
    select
        tenant_id,
        name as tenant_name,
        segment,
        country,
        cast(created_at as timestamp) as created_at
    from source
)

select * from renamed
