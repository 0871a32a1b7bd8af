with

source as (select * from {{ source('usage', 'usage_quarantine') }}),

renamed as (
    select
        batch_id,
        source_row_number,
        event_id,
        tenant_id,
        reason,
        detail,
        raw_record,
        cast(quarantined_at as timestamp) as quarantined_at
    from source
)

select * from renamed
