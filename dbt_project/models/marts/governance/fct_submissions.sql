-- One row per package submission with its time in the review queue and its review deadline.
{%- set due_working_days = var('review_due_working_days', 3) | int %}
with

submissions as (select * from {{ ref('stg_operational__submissions') }}),

submissions_with_clock as (
    select
        *,
        {{ utc_now() }} as as_of_at,
        {{ add_working_days('submitted_at', due_working_days) }} as due_at
    from submissions
),

submissions_timed as (
    select
        *,
        status in ('approved', 'rejected') as is_decided,
        cast({{ dbt.datediff('submitted_at', 'coalesce(decided_at, as_of_at)', 'minute') }} as bigint)
            as minutes_in_queue
    from submissions_with_clock
),

final as (
    select
        submission_id,
        publisher_id,
        package_id,
        package_name,
        version,
        status,
        decision,
        risk_score,
        rules_version,
        submitted_at,
        scanned_at,
        decided_at,
        reviewed_by,
        is_decided,
        is_decided and reviewed_by is not null as is_human_decision,
        -- Hours are a reporting figure, not money: the double quotient is exact once rounded to 2 places.
        cast(round(minutes_in_queue / 60.0, 2) as decimal(18, 2)) as hours_in_queue,
        due_at,
        not is_decided and as_of_at > due_at as is_past_due,
        as_of_at
    from submissions_timed
)

select * from final
