with

source as (select * from {{ source('usage', 'usage_events') }}),

renamed as (
    select
        event_id,
        tenant_id,
        metric_id,
        package_id,
        cast(quantity as decimal(38, 9)) as quantity,
        cast(occurred_at as timestamp) as occurred_at,
        properties,
        batch_id,
        source_row_number,
        cast(loaded_at as timestamp) as loaded_at
    from source
)

select * from renamed
