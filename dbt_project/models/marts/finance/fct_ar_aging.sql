-- Accounts receivable today: every invoice still open (finalized, not paid, voided or written off as
-- uncollectible), bucketed by days past its due date.
with

invoices as (select * from {{ ref('stg_operational__invoices') }}),

open_invoices as (
    select
        *,
        cast({{ dbt.datediff('due_on_date', atom_today(), 'day') }} as integer) as days_past_due
    from invoices
    where status = 'finalized' and document_type = 'invoice' and total_amount > 0
),

final as (
    select
        invoice_number,
        tenant_id,
        invoice_period,
        currency,
        total_amount as open_amount,
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
        end as aging_bucket
    from open_invoices
)

select * from final
