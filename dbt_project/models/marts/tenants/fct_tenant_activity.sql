-- Each tenant's recent activity as of the platform's today (atom_today): events in the last 30 days and in
-- the 30 days before them, its last day of usage, and how overdue its open invoices are. The inputs of the
-- portal's health score. Windows are whole UTC days: last 30 = (today - 30, today], prior 30 =
-- (today - 60, today - 30]; usage dated after today (clock skew the intake allows) is left out.
with

tenants as (select * from {{ ref('dim_tenants') }}),
usage_daily as (select * from {{ ref('fct_usage_daily') }}),
receivables as (select * from {{ ref('fct_ar_aging') }}),

as_of as (
    select
        {{ atom_today() }} as as_of_date,
        cast({{ dbt.dateadd('day', -30, atom_today()) }} as date) as last_30_days_after_date,
        cast({{ dbt.dateadd('day', -60, atom_today()) }} as date) as prior_30_days_after_date
),

usage_windows as (
    select
        usage_daily.tenant_id,
        sum(
            case
                when usage_daily.usage_date > as_of.last_30_days_after_date then usage_daily.event_count
                else 0
            end
        ) as events_last_30_days,
        sum(
            case
                when
                    usage_daily.usage_date > as_of.prior_30_days_after_date
                    and usage_daily.usage_date <= as_of.last_30_days_after_date
                    then usage_daily.event_count
                else 0
            end
        ) as events_prior_30_days,
        count(
            distinct case
                when usage_daily.usage_date > as_of.last_30_days_after_date then usage_daily.usage_date
            end
        ) as active_days_last_30_days,
        max(usage_daily.usage_date) as last_usage_date
    from usage_daily
    cross join as_of
    where usage_daily.usage_date <= as_of.as_of_date
    group by usage_daily.tenant_id
),

receivables_by_tenant as (
    select
        tenant_id,
        count(*) as open_invoices,
        max(days_past_due) as max_days_past_due
    from receivables
    group by tenant_id
),

final as (
    select
        tenants.tenant_id,
        as_of.as_of_date,
        tenants.name as tenant_name,
        tenants.segment,
        tenants.country,
        tenants.current_state,
        tenants.current_plan_id,
        cast(coalesce(usage_windows.events_last_30_days, 0) as bigint) as events_last_30_days,
        cast(coalesce(usage_windows.events_prior_30_days, 0) as bigint) as events_prior_30_days,
        cast(coalesce(usage_windows.active_days_last_30_days, 0) as integer) as active_days_last_30_days,
        usage_windows.last_usage_date,
        cast(coalesce(receivables_by_tenant.open_invoices, 0) as bigint) as open_invoices,
        -- Not yet due counts as 0 days past due.
        cast(
            coalesce(greatest(receivables_by_tenant.max_days_past_due, 0), 0) as integer
        ) as max_days_past_due
    from tenants
    cross join as_of
    left join usage_windows on tenants.tenant_id = usage_windows.tenant_id
    left join receivables_by_tenant on tenants.tenant_id = receivables_by_tenant.tenant_id
)

select * from final
