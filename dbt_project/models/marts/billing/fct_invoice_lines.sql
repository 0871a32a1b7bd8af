-- Draft invoice lines: rated usage and prorated plan fees, recomputed on every build; billing finalizes
-- a month from here.
with

usage_lines as (select * from {{ ref('int_usage_lines_rated') }}),
recurring_lines as (select * from {{ ref('int_recurring_lines_prorated') }}),
packages as (select * from {{ ref('stg_operational__packages') }}),

lines_unioned as (
    select
        tenant_id,
        period_start_date,
        'usage' as kind,
        price_id,
        cast(null as {{ dbt.type_string() }}) as plan_id,
        metric_id,
        package_id,
        quantity,
        billable_quantity,
        line_amount,
        partner_payout_amount,
        platform_fee_amount,
        currency,
        minor_units
    from usage_lines

    union all

    select
        tenant_id,
        period_start_date,
        'recurring' as kind,
        cast(null as {{ dbt.type_string() }}) as price_id,
        plan_id,
        cast(null as {{ dbt.type_string() }}) as metric_id,
        cast(null as {{ dbt.type_string() }}) as package_id,
        cast(days_held as decimal(38, 9)) as quantity,
        cast(days_held as decimal(38, 9)) as billable_quantity,
        line_amount,
        cast(0 as decimal(38, 6)) as partner_payout_amount,
        line_amount as platform_fee_amount,
        currency,
        minor_units
    from recurring_lines
),

final as (
    select
        {{ dbt.concat([
            format_period('lines_unioned.period_start_date'), "'/'", 'lines_unioned.tenant_id', "'/'",
            'lines_unioned.kind', "'/'", 'coalesce(lines_unioned.price_id, lines_unioned.plan_id)'
        ]) }} as invoice_line_id,
        lines_unioned.tenant_id,
        {{ format_period('lines_unioned.period_start_date') }} as period,
        lines_unioned.period_start_date,
        lines_unioned.kind,
        lines_unioned.price_id,
        lines_unioned.plan_id,
        lines_unioned.metric_id,
        lines_unioned.package_id,
        packages.publisher_id,
        cast(lines_unioned.quantity as decimal(38, 9)) as quantity,
        cast(lines_unioned.billable_quantity as decimal(38, 9)) as billable_quantity,
        cast(lines_unioned.line_amount as decimal(38, 6)) as line_amount,
        cast(lines_unioned.partner_payout_amount as decimal(38, 6)) as partner_payout_amount,
        cast(lines_unioned.platform_fee_amount as decimal(38, 6)) as platform_fee_amount,
        lines_unioned.currency,
        cast(lines_unioned.minor_units as integer) as minor_units
    from lines_unioned
    left join packages on lines_unioned.package_id = packages.package_id
)

select * from final
