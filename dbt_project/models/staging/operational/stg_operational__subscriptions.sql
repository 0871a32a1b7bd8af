with

source as (select * from {{ source('operational', 'subscriptions') }}),

renamed as (
    select
        subscription_id,
        tenant_id,
        plan_id,
        cast(is_trial as boolean) as is_trial,
        cast(started_on as date) as started_on_date,
        -- Exclusive end; NULL while the subscription is open.
        cast(ended_on as date) as ended_on_date
    from source
)

select * from renamed
