with

source as (select * from {{ source('operational', 'submission_findings') }}),

renamed as (
    select
        submission_id,
        cast(finding_number as integer) as finding_number,
        rule,
        lower(category) as category,
        lower(severity) as severity,
        lower(confidence) as confidence,
        file as file_path,
        cast(line as integer) as line_number
    from source
)

select * from renamed
