with

source as (select * from {{ source('usage', 'ingest_batches') }}),

renamed as (
    select
        batch_id,
        source_uri,
        file_format,
        cast(landing_date as date) as landing_date,
        cast(received as bigint) as received,
        cast(loaded as bigint) as loaded,
        cast(duplicates as bigint) as duplicates,
        cast(quarantined as bigint) as quarantined,
        cast(loaded_at as timestamp) as loaded_at
    from source
)

select * from renamed
