with

source as (select * from {{ source('operational', 'submission_policies') }}),

renamed as (
    select
        submission_id,
        policy_id,
        policy_name,
        lower(status) as status
    from source
)

select * from renamed
