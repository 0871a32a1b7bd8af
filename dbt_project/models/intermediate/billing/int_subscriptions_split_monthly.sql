-- Each subscription cut at UTC month boundaries: the days it held its plan in each month it touches.
-- An open subscription runs to the end of the current month. A preview has no subscriptions.
with

subscriptions as (select * from {{ ref('stg_operational__subscriptions') }}),

subscriptions_bounded as (
    select
        subscription_id,
        tenant_id,
        plan_id,
        is_trial,
        started_on_date,
        ended_on_date,
        cast({{ dbt.date_trunc('month', 'started_on_date') }} as date) as first_month_start_date,
        {%- set day_before_end = dbt.dateadd('day', -1, 'ended_on_date') %}
        {%- set last_day_held = 'coalesce(' ~ day_before_end ~ ', ' ~ atom_today() ~ ')' %}
        cast({{ dbt.date_trunc('month', last_day_held) }} as date) as last_month_start_date
    from subscriptions
    where
        (ended_on_date is null or ended_on_date > started_on_date)
        and {{ 'false' if is_preview() else 'true' }}
),

subscription_months as (
    select
        subscriptions_bounded.*,
        {{ month_starts_between('first_month_start_date', 'last_month_start_date') }} as month_start
    from subscriptions_bounded
),

months_bounded as (
    select
        subscription_id,
        tenant_id,
        plan_id,
        is_trial,
        started_on_date,
        ended_on_date,
        cast(month_start as date) as period_start_date,
        cast({{ dbt.dateadd('month', 1, 'cast(month_start as date)') }} as date) as next_period_start_date
    from subscription_months
),

final as (
    select
        subscription_id,
        tenant_id,
        plan_id,
        is_trial,
        period_start_date,
        cast({{ dbt.datediff(
            'greatest(started_on_date, period_start_date)',
            'least(coalesce(ended_on_date, next_period_start_date), next_period_start_date)',
            'day'
        ) }} as integer) as days_held,
        cast(
            {{ dbt.datediff('period_start_date', 'next_period_start_date', 'day') }} as integer
        ) as days_in_month
    from months_bounded
)

select * from final
