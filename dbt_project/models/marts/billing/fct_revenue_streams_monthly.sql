-- Revenue per month, stream and currency: usage lines by metric, plan fees as one stream (NULL metric).
with

invoice_lines as (select * from {{ ref('fct_invoice_lines') }}),

final as (
    select
        {{ dbt.concat([
            'period', "'/'", 'kind', "'/'", "coalesce(metric_id, '')", "'/'", 'currency'
        ]) }} as revenue_stream_id,
        period,
        period_start_date,
        kind,
        metric_id,
        currency,
        cast(count(distinct tenant_id) as bigint) as tenant_count,
        cast(sum(line_amount) as decimal(38, 6)) as line_amount,
        cast(sum(partner_payout_amount) as decimal(38, 6)) as partner_payout_amount,
        cast(sum(platform_fee_amount) as decimal(38, 6)) as platform_fee_amount
    from invoice_lines
    group by period, period_start_date, kind, metric_id, currency
)

select * from final
