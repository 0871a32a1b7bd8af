-- Draft invoice per tenant and month: the total is the sum of the already rounded lines (DESIGN 3.2 step 7).
with

invoice_lines as (select * from {{ ref('fct_invoice_lines') }}),

final as (
    select
        tenant_id,
        period,
        period_start_date,
        currency,
        minor_units,
        cast(count(*) as bigint) as line_count,
        cast(sum(line_amount) as decimal(38, 6)) as total_amount,
        cast(sum(case when kind = 'usage' then line_amount else 0 end) as decimal(38, 6)) as usage_amount,
        cast(
            sum(case when kind = 'recurring' then line_amount else 0 end) as decimal(38, 6)
        ) as recurring_amount,
        cast(sum(partner_payout_amount) as decimal(38, 6)) as partner_payout_amount
    from invoice_lines
    group by tenant_id, period, period_start_date, currency, minor_units
)

select * from final
