{{ config(materialized='table') }}

-- Tenant-months that count as active (minimums apply, churn is measured): holding a subscription, trial
-- included, on any day of the month, or having any usage in it. In a preview (var atom_preview) there
-- is no operational data: every tenant of the usage file is active in every month of the usage file.
{% set preview = 'true' if is_preview() else 'false' %}

with

usage_daily as (select * from {{ ref('int_usage_aggregated_daily') }}),
subscription_months as (select * from {{ ref('int_subscriptions_split_monthly') }}),

usage_months as (
    select distinct
        tenant_id,
        cast({{ dbt.date_trunc('month', 'usage_date') }} as date) as period_start_date
    from usage_daily
),

usage_tenants as (
    select distinct tenant_id
    from usage_months
),

usage_periods as (
    select distinct period_start_date
    from usage_months
),

subscribed_months as (
    select
        tenant_id,
        period_start_date
    from subscription_months
    where days_held > 0
),

tenant_months as (
    select
        tenant_id,
        period_start_date
    from usage_months
    where not {{ preview }}
    union all
    select
        tenant_id,
        period_start_date
    from subscribed_months
    where not {{ preview }}
    union all
    select
        usage_tenants.tenant_id,
        usage_periods.period_start_date
    from usage_tenants
    cross join usage_periods
    where {{ preview }}
),

final as (
    select distinct
        tenant_id,
        period_start_date
    from tenant_months
)

select * from final
