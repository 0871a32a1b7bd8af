with

source as (select * from {{ source('operational', 'tenant_events') }}),

renamed as (
    select
        tenant_id,
        lower(state) as state,
        cast(occurred_at as timestamp) as occurred_at
    from source
)

select * from renamed
