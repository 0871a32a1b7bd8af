with

quarantined_events as (select * from {{ ref('stg_usage__quarantined_events') }}),
batches as (select * from {{ ref('stg_usage__ingest_batches') }}),

final as (
    select
        batches.landing_date,
        quarantined_events.reason,
        cast(count(*) as bigint) as quarantined
    from quarantined_events
    left join batches on quarantined_events.batch_id = batches.batch_id
    group by batches.landing_date, quarantined_events.reason
)

select * from final
