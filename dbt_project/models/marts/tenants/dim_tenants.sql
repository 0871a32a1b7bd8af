with

tenants as (select * from {{ ref('stg_operational__tenants') }}),
tenant_events as (select * from {{ ref('stg_operational__tenant_events') }}),
subscriptions as (select * from {{ ref('stg_operational__subscriptions') }}),

states_ranked as (
    select
        tenant_id,
        state,
        row_number() over (partition by tenant_id order by occurred_at desc, state asc) as recency_rank
    from tenant_events
),

subscriptions_open_today as (
    -- Subscriptions hold their plan over [started_on, ended_on).
    select
        tenant_id,
        plan_id,
        row_number() over (
            partition by tenant_id order by started_on_date desc, subscription_id desc
        ) as recency_rank
    from subscriptions
    where
        started_on_date <= {{ atom_today() }}
        and (ended_on_date is null or ended_on_date > {{ atom_today() }})
),

final as (
    select
        tenants.tenant_id,
        tenants.tenant_name as name,
        tenants.segment,
        tenants.country,
        tenants.created_at,
        states_ranked.state as current_state,
        subscriptions_open_today.plan_id as current_plan_id
    from tenants
    left join states_ranked
        on tenants.tenant_id = states_ranked.tenant_id and states_ranked.recency_rank = 1
    left join subscriptions_open_today
        on
            tenants.tenant_id = subscriptions_open_today.tenant_id
            and subscriptions_open_today.recency_rank = 1
)

select * from final
