-- Revenue metrics per month: run-rate MRR and its movements, ARR, NRR, GRR, ARPA; usage revenue beside
-- MRR; unbilled usage; invoiced vs collected; DSO. Formulas are in _finance__models.yml.
with

mrr_movements as (select * from {{ ref('fct_mrr_movements') }}),
invoice_lines as (select * from {{ ref('fct_invoice_lines') }}),
invoices as (select * from {{ ref('stg_operational__invoices') }}),
credit_notes as (select * from {{ ref('stg_operational__credit_notes') }}),
payments as (select * from {{ ref('stg_operational__invoice_payments') }}),
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

-- Operator credit notes (decision 0710), with the state of the invoice they credit: a credit note of an
-- invoice voided later credits nothing (the void took the whole invoice away).
credits as (
    select
        credit_notes.*,
        invoices.status as invoice_status
    from credit_notes
    inner join invoices on credit_notes.invoice_number = invoices.invoice_number
    where invoices.status <> 'void'
),

documents_by_period as (
    select
        invoice_period as period,
        sum(case when document_type = 'invoice' and status <> 'void' then total_amount else 0 end)
            as invoiced_amount,
        sum(case when document_type = 'credit_note' and status <> 'void' then total_amount else 0 end)
            as credited_amount,
        -- Cash received against the month's documents so far, partial payments included (decision 0703).
        sum(paid_amount) as collected_amount
    from invoices
    group by invoice_period
),

operator_credits_by_period as (
    -- Credited against the month of the invoice they correct (revenue), as negative amounts.
    select
        invoice_period as period,
        -sum(credit_amount) as operator_credited_amount
    from credits
    group by invoice_period
),

invoices_open_at_period_end as (
    -- Non-void invoices issued before the month ended and not settled (paid or written off) by then.
    select
        periods.period,
        invoices.invoice_number,
        invoices.total_amount
    from periods
    inner join invoices
        on
            invoices.document_type = 'invoice'
            and invoices.status <> 'void'
            and invoices.issued_on_date < {{ dbt.dateadd('month', 1, 'periods.period_start_date') }}
            and (
                invoices.status = 'finalized'
                or invoices.status_changed_at >= {{ dbt.dateadd('month', 1, 'periods.period_start_date') }}
            )
),

credits_before_period_end as (
    select
        open_at_end.period,
        open_at_end.invoice_number,
        sum(credits.credit_amount) as credit_amount
    from invoices_open_at_period_end as open_at_end
    inner join periods on open_at_end.period = periods.period
    inner join credits
        on
            open_at_end.invoice_number = credits.invoice_number
            and credits.issued_on_date < {{ dbt.dateadd('month', 1, 'periods.period_start_date') }}
    group by open_at_end.period, open_at_end.invoice_number
),

payments_before_period_end as (
    -- Partial payments made before the month ended (decision 0703).
    select
        open_at_end.period,
        open_at_end.invoice_number,
        sum(payments.payment_amount) as paid_amount
    from invoices_open_at_period_end as open_at_end
    inner join periods on open_at_end.period = periods.period
    inner join payments
        on
            open_at_end.invoice_number = payments.invoice_number
            and payments.paid_at < {{ dbt.dateadd('month', 1, 'periods.period_start_date') }}
    group by open_at_end.period, open_at_end.invoice_number
),

receivables_by_period as (
    -- AR at the end of the month: each open invoice's total less the credit notes issued and the payments
    -- made before the month ended, never below zero (a credit beyond what was unpaid is the customer's
    -- balance, not a negative receivable).
    select
        open_at_end.period,
        sum(
            case
                when
                    open_at_end.total_amount
                    - coalesce(credits_before_period_end.credit_amount, 0)
                    - coalesce(payments_before_period_end.paid_amount, 0) > 0
                    then
                        open_at_end.total_amount
                        - coalesce(credits_before_period_end.credit_amount, 0)
                        - coalesce(payments_before_period_end.paid_amount, 0)
                else 0
            end
        ) as receivables_amount
    from invoices_open_at_period_end as open_at_end
    left join credits_before_period_end
        on
            open_at_end.period = credits_before_period_end.period
            and open_at_end.invoice_number = credits_before_period_end.invoice_number
    left join payments_before_period_end
        on
            open_at_end.period = payments_before_period_end.period
            and open_at_end.invoice_number = payments_before_period_end.invoice_number
    group by open_at_end.period
),

issued_by_period as (
    select
        periods.period,
        sum(invoices.total_amount) as issued_amount
    from periods
    inner join invoices
        on
            invoices.document_type = 'invoice'
            and invoices.status <> 'void'
            and periods.period_start_date <= invoices.issued_on_date
            and invoices.issued_on_date < {{ dbt.dateadd('month', 1, 'periods.period_start_date') }}
    group by periods.period
),

credits_issued_by_period as (
    -- Credit notes reduce the month's sales in the month they are issued.
    select
        periods.period,
        sum(credits.credit_amount) as issued_credit_amount
    from periods
    inner join credits
        on
            periods.period_start_date <= credits.issued_on_date
            and credits.issued_on_date < {{ dbt.dateadd('month', 1, 'periods.period_start_date') }}
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
        cast(
            coalesce(documents_by_period.credited_amount, 0)
            + coalesce(operator_credits_by_period.operator_credited_amount, 0)
            as decimal(38, 6)
        ) as credited_amount,
        cast(coalesce(documents_by_period.collected_amount, 0) as decimal(38, 6)) as collected_amount,
        cast(coalesce(receivables_by_period.receivables_amount, 0) as decimal(38, 6)) as receivables_amount,
        case
            when
                coalesce(issued_by_period.issued_amount, 0)
                - coalesce(credits_issued_by_period.issued_credit_amount, 0) > 0
                then cast({{ divide_decimal(
                    'coalesce(receivables_by_period.receivables_amount, 0) * '
                    ~ dbt.datediff('periods.period_start_date', dbt.dateadd('month', 1, 'periods.period_start_date'), 'day'),
                    '(coalesce(issued_by_period.issued_amount, 0)'
                    ~ ' - coalesce(credits_issued_by_period.issued_credit_amount, 0))'
                ) }} as decimal(18, 2))
        end as days_sales_outstanding,
        cast(
            coalesce(documents_by_period.invoiced_amount, 0)
            + coalesce(documents_by_period.credited_amount, 0)
            + coalesce(operator_credits_by_period.operator_credited_amount, 0)
            as decimal(38, 6)
        ) as net_invoiced_amount
    from periods
    cross join settings
    left join mrr_by_period on periods.period = mrr_by_period.period
    left join rated_by_period on periods.period = rated_by_period.period
    left join documents_by_period on periods.period = documents_by_period.period
    left join receivables_by_period on periods.period = receivables_by_period.period
    left join operator_credits_by_period on periods.period = operator_credits_by_period.period
    left join issued_by_period on periods.period = issued_by_period.period
    left join credits_issued_by_period on periods.period = credits_issued_by_period.period
)

select * from final
