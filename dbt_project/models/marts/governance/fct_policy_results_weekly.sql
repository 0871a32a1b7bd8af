-- Policy results of the latest governance reports per week of submission (weeks start on Monday).
with

submissions as (select * from {{ ref('stg_operational__submissions') }}),
policies as (select * from {{ ref('stg_operational__submission_policies') }}),

policies_dated as (
    select
        cast({{ dbt.date_trunc('week', 'submissions.submitted_at') }} as date) as week_start_date,
        policies.submission_id,
        policies.policy_id,
        policies.policy_name,
        policies.status
    from policies
    inner join submissions on policies.submission_id = submissions.submission_id
),

final as (
    select
        week_start_date,
        policy_id,
        -- One name per policy id; a renamed policy shows its latest-sorting name rather than splitting rows.
        max(policy_name) as policy_name,
        status,
        cast(count(distinct submission_id) as bigint) as submissions
    from policies_dated
    group by week_start_date, policy_id, status
)

select * from final
