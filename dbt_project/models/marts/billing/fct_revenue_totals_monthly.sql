-- Revenue per month and currency with the month before beside it: every month from a currency's first rated
-- month to the current one (atom_today) has a row, zeros included, so "this month against last month"
-- is one row even before this month has any line.
with

invoice_lines as (select * from {{ ref('fct_invoice_lines') }}),

currency_bounds as (
    select
        currency,
        min(period_start_date) as first_month_start_date,
        greatest(
            max(period_start_date), cast({{ dbt.date_trunc('month', atom_today()) }} as date)
        ) as last_month_start_date
    from invoice_lines
    group by currency
),

currency_months as (
    select
        currency,
        cast(month_start as date) as period_start_date
    from (
        select
            currency,
            {{ month_starts_between('first_month_start_date', 'last_month_start_date') }} as month_start
        from currency_bounds
    ) as spine
),

totals_by_month as (
    select
        currency,
        period_start_date,
        count(distinct tenant_id) as billed_tenants,
        sum(line_amount) as line_amount,
        sum(case when kind = 'usage' then line_amount else 0 end) as usage_amount,
        sum(case when kind = 'recurring' then line_amount else 0 end) as recurring_amount,
        sum(partner_payout_amount) as partner_payout_amount,
        sum(platform_fee_amount) as platform_fee_amount
    from invoice_lines
    group by currency, period_start_date
),

months_filled as (
    select
        currency_months.currency,
        currency_months.period_start_date,
        coalesce(totals_by_month.billed_tenants, 0) as billed_tenants,
        coalesce(totals_by_month.line_amount, 0) as line_amount,
        coalesce(totals_by_month.usage_amount, 0) as usage_amount,
        coalesce(totals_by_month.recurring_amount, 0) as recurring_amount,
        coalesce(totals_by_month.partner_payout_amount, 0) as partner_payout_amount,
        coalesce(totals_by_month.platform_fee_amount, 0) as platform_fee_amount
    from currency_months
    left join totals_by_month
        on
            currency_months.currency = totals_by_month.currency
            and currency_months.period_start_date = totals_by_month.period_start_date
),

final as (
    select
        {{ dbt.concat([format_period('period_start_date'), "'/'", 'currency']) }} as revenue_total_id,
        {{ format_period('period_start_date') }} as period,
        period_start_date,
        currency,
        cast(billed_tenants as bigint) as billed_tenants,
        cast(line_amount as decimal(38, 6)) as line_amount,
        cast(usage_amount as decimal(38, 6)) as usage_amount,
        cast(recurring_amount as decimal(38, 6)) as recurring_amount,
        cast(partner_payout_amount as decimal(38, 6)) as partner_payout_amount,
        cast(platform_fee_amount as decimal(38, 6)) as platform_fee_amount,
        cast(
            coalesce(lag(line_amount) over (partition by currency order by period_start_date), 0)
            as decimal(38, 6)
        ) as previous_line_amount
    from months_filled
)

select * from final
