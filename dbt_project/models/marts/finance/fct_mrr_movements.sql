-- One row per tenant and month where MRR exists or just ended, with the month's MRR movement.
with

tenant_mrr as (select * from {{ ref('int_tenant_mrr_monthly') }}),

mrr_lagged as (
    select
        tenant_id,
        period,
        period_start_date,
        mrr_amount,
        coalesce(
            lag(mrr_amount) over (partition by tenant_id order by period_start_date), 0
        ) as previous_mrr_amount,
        coalesce(
            max(case when mrr_amount > 0 then 1 else 0 end) over (
                partition by tenant_id order by period_start_date
                rows between unbounded preceding and 1 preceding
            ),
            0
        ) as had_mrr_before
    from tenant_mrr
),

movements_classified as (
    select
        *,
        case
            when previous_mrr_amount = 0 and mrr_amount > 0 and had_mrr_before = 0 then 'new'
            when previous_mrr_amount = 0 and mrr_amount > 0 then 'reactivation'
            when previous_mrr_amount > 0 and mrr_amount = 0 then 'churn'
            when mrr_amount > previous_mrr_amount then 'expansion'
            when mrr_amount < previous_mrr_amount then 'contraction'
            else 'unchanged'
        end as movement_type
    from mrr_lagged
    where mrr_amount > 0 or previous_mrr_amount > 0
),

final as (
    select
        {{ dbt.concat(['period', "'/'", 'tenant_id']) }} as mrr_movement_id,
        tenant_id,
        period,
        period_start_date,
        cast(mrr_amount as decimal(38, 6)) as mrr_amount,
        cast(previous_mrr_amount as decimal(38, 6)) as previous_mrr_amount,
        movement_type,
        cast(mrr_amount - previous_mrr_amount as decimal(38, 6)) as movement_amount
    from movements_classified
)

select * from final
