-- Tenant activity per month: active (subscription or usage), paying (a positive invoice total), new (first
-- active month) and churned (active the month before, not this month). Months without any active tenant
-- between the first and last active month are kept, with zeros, so churn shows.
with

active_tenant_months as (select * from {{ ref('int_tenant_months_active') }}),
invoices as (select * from {{ ref('fct_invoices') }}),

bounds as (
    select
        min(period_start_date) as first_month_start_date,
        max(period_start_date) as last_month_start_date
    from active_tenant_months
),

months_spined as (
    select {{ month_starts_between('first_month_start_date', 'last_month_start_date') }} as month_start
    from bounds
    where first_month_start_date is not null
),

months as (
    select
        cast(month_start as date) as period_start_date,
        cast(
            {{ dbt.dateadd('month', -1, 'cast(month_start as date)') }} as date
        ) as previous_period_start_date
    from months_spined
),

first_active_months as (
    select
        tenant_id,
        min(period_start_date) as period_start_date
    from active_tenant_months
    group by tenant_id
),

active_counts as (
    select
        period_start_date,
        count(*) as active_tenants
    from active_tenant_months
    group by period_start_date
),

paying_counts as (
    select
        period_start_date,
        count(distinct tenant_id) as paying_tenants
    from invoices
    where total_amount > 0
    group by period_start_date
),

new_counts as (
    select
        period_start_date,
        count(*) as new_tenants
    from first_active_months
    group by period_start_date
),

churned_counts as (
    select
        months.period_start_date,
        count(*) as churned_tenants
    from months
    inner join active_tenant_months as previous_month
        on months.previous_period_start_date = previous_month.period_start_date
    left join active_tenant_months as this_month
        on
            previous_month.tenant_id = this_month.tenant_id
            and months.period_start_date = this_month.period_start_date
    where this_month.tenant_id is null
    group by months.period_start_date
),

final as (
    select
        {{ format_period('months.period_start_date') }} as period,
        months.period_start_date,
        cast(coalesce(active_counts.active_tenants, 0) as bigint) as active_tenants,
        cast(coalesce(paying_counts.paying_tenants, 0) as bigint) as paying_tenants,
        cast(coalesce(new_counts.new_tenants, 0) as bigint) as new_tenants,
        cast(coalesce(churned_counts.churned_tenants, 0) as bigint) as churned_tenants
    from months
    left join active_counts on months.period_start_date = active_counts.period_start_date
    left join paying_counts on months.period_start_date = paying_counts.period_start_date
    left join new_counts on months.period_start_date = new_counts.period_start_date
    left join churned_counts on months.period_start_date = churned_counts.period_start_date
)

select * from final
