-- Revenue per month, line kind, metric and package (NULL metric and package for plan fees).
with

invoice_lines as (select * from {{ ref('fct_invoice_lines') }}),

final as (
    select
        period,
        period_start_date,
        kind,
        metric_id,
        package_id,
        publisher_id,
        cast(count(distinct tenant_id) as bigint) as tenant_count,
        cast(sum(line_amount) as decimal(38, 6)) as line_amount,
        cast(sum(partner_payout_amount) as decimal(38, 6)) as partner_payout_amount,
        cast(sum(platform_fee_amount) as decimal(38, 6)) as platform_fee_amount,
        currency
    from invoice_lines
    group by period, period_start_date, kind, metric_id, package_id, publisher_id, currency
)

select * from final
