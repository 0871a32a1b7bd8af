-- Draft invoice per tenant and month: the total is the sum of the already rounded lines (DESIGN 3.2 step 7).
-- Beside it, once the month is finalized, its invoice's collection (decision 0703): what has been paid and
-- what is still due on the finalized invoice (total less credit notes and payments, never below zero).
with

invoice_lines as (select * from {{ ref('fct_invoice_lines') }}),
invoices as (select * from {{ ref('stg_operational__invoices') }}),
credit_notes as (select * from {{ ref('stg_operational__credit_notes') }}),

drafts as (
    select
        tenant_id,
        period,
        period_start_date,
        currency,
        minor_units,
        count(*) as line_count,
        sum(line_amount) as total_amount,
        sum(case when kind = 'usage' then line_amount else 0 end) as usage_amount,
        sum(case when kind = 'recurring' then line_amount else 0 end) as recurring_amount,
        sum(partner_payout_amount) as partner_payout_amount
    from invoice_lines
    group by tenant_id, period, period_start_date, currency, minor_units
),

credits_by_invoice as (
    select
        invoice_number,
        sum(credit_amount) as credited_amount
    from credit_notes
    where issued_on_date <= {{ atom_today() }}
    group by invoice_number
),

invoices_with_credits as (
    select
        invoices.tenant_id,
        invoices.invoice_period,
        invoices.invoice_number,
        invoices.status,
        invoices.paid_amount,
        invoices.total_amount - coalesce(credits_by_invoice.credited_amount, 0) - invoices.paid_amount
            as unsettled_amount
    from invoices
    left join credits_by_invoice on invoices.invoice_number = credits_by_invoice.invoice_number
    where invoices.document_type = 'invoice'
),

finalized_invoices as (
    select
        tenant_id,
        invoice_period,
        invoice_number,
        status,
        paid_amount,
        case
            when status in ('paid', 'void') then 0
            when unsettled_amount > 0 then unsettled_amount
            else 0
        end as due_amount
    from invoices_with_credits
),

final as (
    select
        drafts.tenant_id,
        drafts.period,
        drafts.period_start_date,
        drafts.currency,
        drafts.minor_units,
        cast(drafts.line_count as bigint) as line_count,
        cast(drafts.total_amount as decimal(38, 6)) as total_amount,
        cast(drafts.usage_amount as decimal(38, 6)) as usage_amount,
        cast(drafts.recurring_amount as decimal(38, 6)) as recurring_amount,
        cast(drafts.partner_payout_amount as decimal(38, 6)) as partner_payout_amount,
        finalized_invoices.invoice_number,
        finalized_invoices.status as invoice_status,
        cast(finalized_invoices.paid_amount as decimal(38, 6)) as paid_amount,
        cast(finalized_invoices.due_amount as decimal(38, 6)) as due_amount
    from drafts
    left join finalized_invoices
        on
            drafts.tenant_id = finalized_invoices.tenant_id
            and drafts.period = finalized_invoices.invoice_period
)

select * from final
