-- Revenue metrics per month: run-rate MRR and its movements, ARR, NRR, GRR, ARPA; usage revenue beside
-- MRR; unbilled usage; invoiced vs collected; DSO. Formulas are in _finance__models.yml.
with

mrr_movements as (select * from {{ ref('fct_mrr_movements') }}),
invoice_lines as (select * from {{ ref('fct_invoice_lines') }}),
invoices as (select * from {{ ref('stg_operational__invoices') }}),
settings as (select * from {{ ref('stg_price_book__settings') }}),

periods as (
    select distinct
        period,
        period_start_date
    from mrr_movements
    union
    select distinct
        period,
        period_start_date
    from invoice_lines
),

mrr_by_period as (
    select
        period,
        sum(mrr_amount) as mrr_amount,
        sum(previous_mrr_amount) as starting_mrr_amount,
        sum(case when movement_type = 'new' then movement_amount else 0 end) as new_mrr_amount,
        sum(case when movement_type = 'expansion' then movement_amount else 0 end) as expansion_mrr_amount,
        -sum(case when movement_type = 'contraction' then movement_amount else 0 end)
            as contraction_mrr_amount,
        -sum(case when movement_type = 'churn' then movement_amount else 0 end) as churned_mrr_amount,
        sum(case when movement_type = 'reactivation' then movement_amount else 0 end)
            as reactivation_mrr_amount,
        count(distinct case when mrr_amount > 0 then tenant_id end) as paying_tenants
    from mrr_movements
    group by period
),

rated_by_period as (
    select
        period,
        sum(case when kind = 'usage' then line_amount else 0 end) as usage_revenue_amount,
        sum(case when kind = 'recurring' then line_amount else 0 end) as recurring_revenue_amount
    from invoice_lines
    group by period
),

documents_by_period as (
    select
        invoice_period as period,
        sum(case when document_type = 'invoice' and status <> 'void' then total_amount else 0 end)
            as invoiced_amount,
        sum(case when document_type = 'credit_note' and status <> 'void' then total_amount else 0 end)
            as credited_amount,
        sum(case when status = 'paid' then total_amount else 0 end) as collected_amount
    from invoices
    group by invoice_period
),

receivables_by_period as (
    select
        periods.period,
        -- AR at the end of the month: invoices issued before it ended and not settled by then.
        sum(
            case
                when
                    invoices.issued_on_date < {{ dbt.dateadd('month', 1, 'periods.period_start_date') }}
                    and (
                        invoices.status = 'finalized'
                        or invoices.status_changed_at
                        >= {{ dbt.dateadd('month', 1, 'periods.period_start_date') }}
                    )
                    then invoices.total_amount
                else 0
            end
        ) as receivables_amount,
        sum(
            case
                when
                    invoices.issued_on_date >= periods.period_start_date
                    and invoices.issued_on_date < {{ dbt.dateadd('month', 1, 'periods.period_start_date') }}
                    then invoices.total_amount
                else 0
            end
        ) as issued_amount
    from periods
    inner join invoices on invoices.document_type = 'invoice' and invoices.status <> 'void'
    group by periods.period
),

final as (
    select
        periods.period,
        periods.period_start_date,
        settings.currency,
        cast(coalesce(mrr_by_period.mrr_amount, 0) as decimal(38, 6)) as mrr_amount,
        cast(coalesce(mrr_by_period.mrr_amount, 0) * 12 as decimal(38, 6)) as arr_amount,
        cast(coalesce(mrr_by_period.starting_mrr_amount, 0) as decimal(38, 6)) as starting_mrr_amount,
        cast(coalesce(mrr_by_period.new_mrr_amount, 0) as decimal(38, 6)) as new_mrr_amount,
        cast(coalesce(mrr_by_period.expansion_mrr_amount, 0) as decimal(38, 6)) as expansion_mrr_amount,
        cast(coalesce(mrr_by_period.contraction_mrr_amount, 0) as decimal(38, 6)) as contraction_mrr_amount,
        cast(coalesce(mrr_by_period.churned_mrr_amount, 0) as decimal(38, 6)) as churned_mrr_amount,
        cast(coalesce(mrr_by_period.reactivation_mrr_amount, 0) as decimal(38, 6)) as reactivation_mrr_amount,
        case
            when mrr_by_period.starting_mrr_amount > 0
                then cast({{ divide_decimal(
                    'mrr_by_period.starting_mrr_amount + mrr_by_period.expansion_mrr_amount'
                    ~ ' - mrr_by_period.contraction_mrr_amount - mrr_by_period.churned_mrr_amount',
                    'mrr_by_period.starting_mrr_amount'
                ) }} as decimal(18, 6))
        end as net_revenue_retention,
        case
            when mrr_by_period.starting_mrr_amount > 0
                then cast({{ divide_decimal(
                    'mrr_by_period.starting_mrr_amount - mrr_by_period.contraction_mrr_amount'
                    ~ ' - mrr_by_period.churned_mrr_amount',
                    'mrr_by_period.starting_mrr_amount'
                ) }} as decimal(18, 6))
        end as gross_revenue_retention,
        cast(coalesce(mrr_by_period.paying_tenants, 0) as bigint) as paying_tenants,
        case
            when mrr_by_period.paying_tenants > 0
                then {{ round_half_up(
                    divide_decimal('mrr_by_period.mrr_amount', 'mrr_by_period.paying_tenants'),
                    'settings.minor_units'
                ) }}
        end as arpa_amount,
        cast(coalesce(rated_by_period.usage_revenue_amount, 0) as decimal(38, 6)) as usage_revenue_amount,
        cast(coalesce(rated_by_period.recurring_revenue_amount, 0) as decimal(38, 6))
            as recurring_revenue_amount,
        cast(
            case
                when documents_by_period.period is null then coalesce(rated_by_period.usage_revenue_amount, 0)
                else 0
            end
            as decimal(38, 6)
        ) as unbilled_usage_amount,
        documents_by_period.period is not null as is_finalized,
        cast(coalesce(documents_by_period.invoiced_amount, 0) as decimal(38, 6)) as invoiced_amount,
        cast(coalesce(documents_by_period.credited_amount, 0) as decimal(38, 6)) as credited_amount,
        cast(coalesce(documents_by_period.collected_amount, 0) as decimal(38, 6)) as collected_amount,
        cast(coalesce(receivables_by_period.receivables_amount, 0) as decimal(38, 6)) as receivables_amount,
        case
            when receivables_by_period.issued_amount > 0
                then cast({{ divide_decimal(
                    'receivables_by_period.receivables_amount * '
                    ~ dbt.datediff('periods.period_start_date', dbt.dateadd('month', 1, 'periods.period_start_date'), 'day'),
                    'receivables_by_period.issued_amount'
                ) }} as decimal(18, 2))
        end as days_sales_outstanding
    from periods
    cross join settings
    left join mrr_by_period on periods.period = mrr_by_period.period
    left join rated_by_period on periods.period = rated_by_period.period
    left join documents_by_period on periods.period = documents_by_period.period
    left join receivables_by_period on periods.period = receivables_by_period.period
)

select * from final
