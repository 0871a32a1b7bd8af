with

source as (select * from {{ source('operational', 'partner_payouts') }}),

renamed as (
    select
        publisher_id,
        period as payout_period,
        currency,
        cast(gross_amount as decimal(38, 6)) as gross_amount,
        cast(platform_fee_amount as decimal(38, 6)) as platform_fee_amount,
        cast(payout_amount as decimal(38, 6)) as payout_amount,
        stripe_transfer_id,
        cast(created_at as timestamp) as created_at
    from source
)

select * from renamed
