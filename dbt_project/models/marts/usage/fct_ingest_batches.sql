with

batches as (select * from {{ ref('stg_usage__ingest_batches') }}),

final as (
    select
        batch_id,
        source_uri,
        landing_date,
        received,
        loaded,
        duplicates,
        quarantined,
        loaded_at,
        received = loaded + duplicates + quarantined as is_reconciled
    from batches
)

select * from final
