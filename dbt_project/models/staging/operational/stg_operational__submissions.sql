with

source as (select * from {{ source('operational', 'submissions') }}),

renamed as (
    select
        submission_id,
        publisher_id,
        package_id,
        package_name,
        version,
        lower(status) as status,
        lower(decision) as decision,
        cast(risk_score as decimal(9, 6)) as risk_score,
        rules_version,
        cast(submitted_at as timestamp) as submitted_at,
        cast(scanned_at as timestamp) as scanned_at,
        cast(decided_at as timestamp) as decided_at,
        reviewed_by
    from source
)

select * from renamed
