-- Monthly partner statement: what a publisher's packages billed in the month's finalized documents, the
-- platform's fee and the partner's payout, beside the payout recorded for transfer.
with

statement_lines as (select * from {{ ref('fct_partner_statement_lines') }}),
payouts as (select * from {{ ref('stg_operational__partner_payouts') }}),
accounts as (select * from {{ ref('stg_operational__partner_accounts') }}),

lines_summed as (
    select
        publisher_id,
        statement_period,
        currency,
        count(*) as line_count,
        count(distinct invoice_number) as invoice_count,
        count(distinct tenant_id) as tenant_count,
        sum(gross_amount) as gross_amount,
        sum(platform_fee_amount) as platform_fee_amount,
        sum(partner_payout_amount) as partner_payout_amount,
        sum(case when kind = 'adjustment' then gross_amount else 0 end) as adjustment_amount
    from statement_lines
    group by publisher_id, statement_period, currency
),

final as (
    select
        {{ dbt.concat(['lines_summed.statement_period', "'/'", 'lines_summed.publisher_id']) }}
            as partner_statement_id,
        lines_summed.publisher_id,
        lines_summed.statement_period,
        lines_summed.currency,
        cast(lines_summed.line_count as bigint) as line_count,
        cast(lines_summed.invoice_count as bigint) as invoice_count,
        cast(lines_summed.tenant_count as bigint) as tenant_count,
        cast(lines_summed.gross_amount as decimal(38, 6)) as gross_amount,
        cast(lines_summed.adjustment_amount as decimal(38, 6)) as adjustment_amount,
        cast(lines_summed.platform_fee_amount as decimal(38, 6)) as platform_fee_amount,
        cast(lines_summed.partner_payout_amount as decimal(38, 6)) as partner_payout_amount,
        cast(payouts.payout_amount as decimal(38, 6)) as recorded_payout_amount,
        payouts.stripe_transfer_id,
        coalesce(accounts.has_connected_account, false) as has_connected_account,
        lines_summed.partner_payout_amount + lines_summed.platform_fee_amount
        = lines_summed.gross_amount as is_conserved
    from lines_summed
    left join payouts
        on
            lines_summed.publisher_id = payouts.publisher_id
            and lines_summed.statement_period = payouts.payout_period
    left join accounts on lines_summed.publisher_id = accounts.publisher_id
)

select * from final
