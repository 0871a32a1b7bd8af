with

source as (select * from {{ source('operational', 'invoices') }}),

renamed as (
    select
        invoice_number,
        document_type,
        tenant_id,
        period as invoice_period,
        status,
        currency,
        cast(minor_units as integer) as minor_units,
        cast(total_amount as decimal(38, 6)) as total_amount,
        cast(issued_on as date) as issued_on_date,
        cast(due_on as date) as due_on_date,
        cast(finalized_at as timestamp) as finalized_at,
        cast(status_changed_at as timestamp) as status_changed_at,
        stripe_invoice_id,
        cast(paid_amount as decimal(38, 6)) as paid_amount
    from source
)

select * from renamed
