{{ config(materialized='table') }}

-- Tenant-months that count as active (minimums apply, churn is measured): holding a subscription, trial
-- included, on any day of the month, or having any usage in it. In a preview (var atom_preview) there
-- is no operational data: every tenant of the usage file is active in every month of the usage file.
with

usage_daily as (select * from {{ ref('int_usage_aggregated_daily') }}),
subscription_months as (select * from {{ ref('int_subscriptions_split_monthly') }}),

usage_months as (
    select distinct
        tenant_id,
        cast({{ dbt.date_trunc('month', 'usage_date') }} as date) as period_start_date
    from usage_daily
),

{% if is_preview() %}

tenant_months as (
    select
        tenants.tenant_id,
        months.period_start_date
    from (select distinct tenant_id from usage_months) as tenants
    cross join (select distinct period_start_date from usage_months) as months
),

{% else %}

tenant_months as (
    select tenant_id, period_start_date from usage_months
    union
    select tenant_id, period_start_date from subscription_months where days_held > 0
),

{% endif %}

final as (
    select distinct
        tenant_id,
        period_start_date
    from tenant_months
)

select * from final
