-- Credit notes an operator issued against one finalized invoice (decision 0710); amount is positive, what
-- the note takes off the invoice. Late-usage credit notes are documents of their own in invoices.
with

source as (select * from {{ source('operational', 'credit_notes') }}),

renamed as (
    select
        credit_note_number,
        invoice_number,
        tenant_id,
        period as invoice_period,
        currency,
        cast(minor_units as integer) as minor_units,
        cast(amount as decimal(38, 6)) as credit_amount,
        reason,
        cast(issued_on as date) as issued_on_date,
        cast(created_at as timestamp) as created_at
    from source
)

select * from renamed
