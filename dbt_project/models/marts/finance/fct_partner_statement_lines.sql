-- Every finalized package line, with the document it is on: each number of a partner statement traces
-- back to these lines (and each line to its invoice number and line number).
with

invoice_lines as (select * from {{ ref('stg_operational__invoice_lines') }}),
invoices as (select * from {{ ref('stg_operational__invoices') }}),

final as (
    select
        invoice_lines.invoice_line_id,
        invoice_lines.publisher_id,
        invoices.invoice_period as statement_period,
        invoice_lines.invoice_number,
        invoice_lines.line_number,
        invoices.document_type,
        invoices.status as invoice_status,
        invoice_lines.tenant_id,
        invoice_lines.kind,
        invoice_lines.rated_period,
        invoice_lines.price_id,
        invoice_lines.metric_id,
        invoice_lines.package_id,
        invoice_lines.quantity,
        invoice_lines.line_amount as gross_amount,
        invoice_lines.platform_fee_amount,
        invoice_lines.partner_payout_amount,
        invoices.currency
    from invoice_lines
    inner join invoices on invoice_lines.invoice_number = invoices.invoice_number
    where invoice_lines.publisher_id is not null
)

select * from final
