-- Payments received against invoices (decision 0703): one row per rise of the amount Stripe reports paid,
-- dated when Stripe reported it; their sum per invoice is the invoice's paid_amount.
with

source as (select * from {{ source('operational', 'invoice_payments') }}),

renamed as (
    select
        payment_id,
        invoice_number,
        tenant_id,
        currency,
        cast(minor_units as integer) as minor_units,
        cast(amount as decimal(38, 6)) as payment_amount,
        cast(paid_at as timestamp) as paid_at,
        stripe_event_id,
        cast(recorded_at as timestamp) as recorded_at
    from source
)

select * from renamed
