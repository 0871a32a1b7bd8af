-- DESIGN 3.2 step 8: one recurring line per (tenant, month, plan), charged for the days the plan was held
-- in the month (daily proration, as Stripe does). Trials carry no fee.
with

subscription_months as (select * from {{ ref('int_subscriptions_split_monthly') }}),
plans as (select * from {{ ref('stg_price_book__plans') }}),
settings as (select * from {{ ref('stg_price_book__settings') }}),

plan_days_held as (
    select
        tenant_id,
        period_start_date,
        plan_id,
        sum(days_held) as days_held,
        max(days_in_month) as days_in_month
    from subscription_months
    where not is_trial and days_held > 0
    group by tenant_id, period_start_date, plan_id
),

final as (
    select
        plan_days_held.tenant_id,
        plan_days_held.period_start_date,
        plan_days_held.plan_id,
        cast(plan_days_held.days_held as integer) as days_held,
        cast(plan_days_held.days_in_month as integer) as days_in_month,
        plans.plan_amount,
        {{ round_half_up(
            divide_decimal('plans.plan_amount * plan_days_held.days_held', 'plan_days_held.days_in_month'),
            'settings.minor_units'
        ) }} as line_amount,
        settings.currency,
        settings.minor_units
    from plan_days_held
    -- The plan's fee in the version in force in that month (issue 15). A plan missing from it leaves
    -- line_amount NULL, which the not_null test reports.
    left join plans
        on
            plan_days_held.plan_id = plans.plan_id
            and {{ price_book_in_force('plans', 'plan_days_held.period_start_date') }}
    cross join settings
)

select * from final
