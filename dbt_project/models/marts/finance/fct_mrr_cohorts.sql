-- MRR cohorts (ChartMogul's cohort NRR): a tenant's cohort is its first month with MRR; each row is what the
-- cohort's tenants still hold in that month or a later one. int_tenant_mrr_monthly has a row for every month
-- up to the current one, zeros included, so a cohort that churned entirely shows 0 rather than a gap.
with

tenant_mrr as (select * from {{ ref('int_tenant_mrr_monthly') }}),
settings as (select * from {{ ref('stg_price_book__settings') }}),

tenant_cohorts as (
    select
        tenant_id,
        min(period_start_date) as cohort_start_date
    from tenant_mrr
    where mrr_amount > 0
    group by tenant_id
),

cohort_tenant_months as (
    select
        tenant_cohorts.cohort_start_date,
        tenant_mrr.tenant_id,
        tenant_mrr.period_start_date,
        tenant_mrr.mrr_amount
    from tenant_cohorts
    inner join tenant_mrr
        on
            tenant_cohorts.tenant_id = tenant_mrr.tenant_id
            and tenant_cohorts.cohort_start_date <= tenant_mrr.period_start_date
),

cohort_months as (
    select
        cohort_start_date,
        period_start_date,
        count(distinct case when mrr_amount > 0 then tenant_id end) as retained_tenants,
        sum(mrr_amount) as mrr_amount
    from cohort_tenant_months
    group by cohort_start_date, period_start_date
),

cohort_starts as (
    select
        cohort_start_date,
        retained_tenants as cohort_tenants,
        mrr_amount as starting_mrr_amount
    from cohort_months
    where period_start_date = cohort_start_date
),

final as (
    select
        {{ dbt.concat([
            format_period('cohort_months.cohort_start_date'), "'/'", format_period('cohort_months.period_start_date')
        ]) }} as mrr_cohort_id,
        {{ format_period('cohort_months.cohort_start_date') }} as cohort_period,
        cohort_months.cohort_start_date,
        {{ format_period('cohort_months.period_start_date') }} as period,
        cohort_months.period_start_date,
        cast(
            {{ dbt.datediff('cohort_months.cohort_start_date', 'cohort_months.period_start_date', 'month') }}
            as integer
        ) as months_since_start,
        settings.currency,
        cast(cohort_starts.cohort_tenants as bigint) as cohort_tenants,
        cast(cohort_months.retained_tenants as bigint) as retained_tenants,
        cast(cohort_starts.starting_mrr_amount as decimal(38, 6)) as starting_mrr_amount,
        cast(cohort_months.mrr_amount as decimal(38, 6)) as mrr_amount,
        cast(
            {{ divide_decimal('cohort_months.mrr_amount', 'cohort_starts.starting_mrr_amount') }}
            as decimal(18, 6)
        ) as mrr_retention
    from cohort_months
    inner join cohort_starts on cohort_months.cohort_start_date = cohort_starts.cohort_start_date
    cross join settings
)

select * from final
