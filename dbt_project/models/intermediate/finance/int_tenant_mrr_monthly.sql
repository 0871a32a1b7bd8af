-- Run-rate MRR per tenant and month: the monthly amount of the paid (non-trial) plans a tenant holds on the
-- month's last day (today, for the current month). Plan prices, not invoices: usage is reported beside MRR,
-- never inside it (as Stripe and Lago do). One row per tenant and month from the tenant's first subscribed
-- month to the current month, zero where nothing is held, so churn shows as a drop to zero.
with

subscriptions as (select * from {{ ref('stg_operational__subscriptions') }}),
plans as (select * from {{ ref('stg_price_book__plans') }}),

month_bounds as (
    select
        cast({{ dbt.date_trunc('month', 'min(started_on_date)') }} as date) as first_month_start_date,
        cast({{ dbt.date_trunc('month', atom_today()) }} as date) as last_month_start_date
    from subscriptions
),

months as (
    select cast(month_start as date) as period_start_date
    from (
        select {{ month_starts_between('first_month_start_date', 'last_month_start_date') }} as month_start
        from month_bounds
        where first_month_start_date is not null
    ) as spine
),

months_measured as (
    select
        period_start_date,
        -- The day MRR is measured: the month's last day, or today while the month runs.
        least(
            cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'period_start_date')) }} as date),
            {{ atom_today() }}
        ) as measured_on_date
    from months
),

tenant_first_months as (
    select
        tenant_id,
        cast({{ dbt.date_trunc('month', 'min(started_on_date)') }} as date) as first_month_start_date
    from subscriptions
    group by tenant_id
),

plans_held_at_month_end as (
    select
        subscriptions.tenant_id,
        months_measured.period_start_date,
        plans.plan_amount
    from subscriptions
    inner join months_measured
        on
            subscriptions.started_on_date <= months_measured.measured_on_date
            and (
                subscriptions.ended_on_date is null
                or subscriptions.ended_on_date > months_measured.measured_on_date
            )
    -- The plan's amount in the price-book version in force in that month (issue 15).
    inner join plans
        on
            subscriptions.plan_id = plans.plan_id
            and {{ price_book_in_force('plans', 'months_measured.period_start_date') }}
    where not subscriptions.is_trial
),

tenant_months as (
    select
        tenant_first_months.tenant_id,
        months.period_start_date
    from tenant_first_months
    inner join months on tenant_first_months.first_month_start_date <= months.period_start_date
),

final as (
    select
        tenant_months.tenant_id,
        {{ format_period('tenant_months.period_start_date') }} as period,
        tenant_months.period_start_date,
        cast(coalesce(sum(plans_held_at_month_end.plan_amount), 0) as decimal(38, 6)) as mrr_amount
    from tenant_months
    left join plans_held_at_month_end
        on
            tenant_months.tenant_id = plans_held_at_month_end.tenant_id
            and tenant_months.period_start_date = plans_held_at_month_end.period_start_date
    group by tenant_months.tenant_id, tenant_months.period_start_date
)

select * from final
