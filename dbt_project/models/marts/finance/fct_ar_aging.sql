-- Accounts receivable today: every invoice still open (finalized, not paid, voided or written off as
-- uncollectible) less the credit notes issued against it and the payments received on it so far (partial
-- payments, decision 0703), bucketed by days past its due date. An invoice credited or paid in full (or
-- both together) is no longer open.
with

invoices as (select * from {{ ref('stg_operational__invoices') }}),
credit_notes as (select * from {{ ref('stg_operational__credit_notes') }}),
payments as (select * from {{ ref('stg_operational__invoice_payments') }}),

credits_by_invoice as (
    select
        invoice_number,
        sum(credit_amount) as credited_amount
    from credit_notes
    where issued_on_date <= {{ atom_today() }}
    group by invoice_number
),

payments_by_invoice as (
    select
        invoice_number,
        sum(payment_amount) as paid_amount
    from payments
    where cast(paid_at as date) <= {{ atom_today() }}
    group by invoice_number
),

open_invoices as (
    select
        invoices.*,
        coalesce(credits_by_invoice.credited_amount, 0) as credited_amount,
        coalesce(payments_by_invoice.paid_amount, 0) as paid_to_date_amount,
        invoices.total_amount
        - coalesce(credits_by_invoice.credited_amount, 0)
        - coalesce(payments_by_invoice.paid_amount, 0) as open_amount,
        cast({{ dbt.datediff('invoices.due_on_date', atom_today(), 'day') }} as integer) as days_past_due
    from invoices
    left join credits_by_invoice on invoices.invoice_number = credits_by_invoice.invoice_number
    left join payments_by_invoice on invoices.invoice_number = payments_by_invoice.invoice_number
    where invoices.status = 'finalized' and invoices.document_type = 'invoice'
),

final as (
    select
        invoice_number,
        tenant_id,
        invoice_period,
        currency,
        cast(open_amount as decimal(38, 6)) as open_amount,
        issued_on_date,
        due_on_date,
        {{ atom_today() }} as as_of_date,
        days_past_due,
        case
            when days_past_due <= 0 then 'current'
            when days_past_due <= 30 then '1-30'
            when days_past_due <= 60 then '31-60'
            when days_past_due <= 90 then '61-90'
            else '90+'
        end as aging_bucket,
        cast(total_amount as decimal(38, 6)) as invoice_total_amount,
        cast(credited_amount as decimal(38, 6)) as credited_amount,
        cast(paid_to_date_amount as decimal(38, 6)) as paid_amount
    from open_invoices
    where open_amount > 0
)

select * from final
