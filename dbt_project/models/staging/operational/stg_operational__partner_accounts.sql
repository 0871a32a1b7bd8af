with

source as (select * from {{ source('operational', 'partner_accounts') }}),

renamed as (
    select
        publisher_id,
        stripe_account_id,
        stripe_account_id is not null as has_connected_account
    from source
)

select * from renamed
