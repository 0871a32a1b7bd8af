-- Governance findings per UTC day of submission, rule, category and severity.
with

submissions as (select * from {{ ref('stg_operational__submissions') }}),
findings as (select * from {{ ref('stg_operational__submission_findings') }}),

findings_dated as (
    select
        cast({{ dbt.date_trunc('day', 'submissions.submitted_at') }} as date) as submitted_date,
        findings.submission_id,
        findings.rule,
        findings.category,
        findings.severity
    from findings
    inner join submissions on findings.submission_id = submissions.submission_id
),

final as (
    select
        submitted_date,
        rule,
        category,
        severity,
        cast(count(*) as bigint) as findings,
        cast(count(distinct submission_id) as bigint) as submissions
    from findings_dated
    group by submitted_date, rule, category, severity
)

select * from final
