-- Package performance per month and currency: adoption (install events of POST /v1/installs, and tenants
-- that ran the package) beside what its rated lines earned. Every package has a row in every month from
-- the first month with installs, usage or rated lines to the last; a month with no revenue carries the
-- price book's currency and zero amounts. Installs are real install events (decision 0710): a tenant that
-- runs a package it never installed through the API is active, not installed.
with

packages as (select * from {{ ref('dim_packages') }}),
usage_daily as (select * from {{ ref('fct_usage_daily') }}),
installs as (select * from {{ ref('stg_operational__installs') }}),
invoice_lines as (select * from {{ ref('fct_invoice_lines') }}),
settings as (select * from {{ ref('stg_price_book__settings') }}),

package_usage_monthly as (
    select
        package_id,
        tenant_id,
        cast({{ dbt.date_trunc('month', 'usage_date') }} as date) as period_start_date,
        sum(event_count) as event_count
    from usage_daily
    where package_id is not null
    group by package_id, tenant_id, cast({{ dbt.date_trunc('month', 'usage_date') }} as date)
),

package_installs_monthly as (
    select
        package_id,
        tenant_id,
        cast({{ dbt.date_trunc('month', 'installed_on_date') }} as date) as period_start_date,
        count(*) as install_count
    from installs
    group by package_id, tenant_id, cast({{ dbt.date_trunc('month', 'installed_on_date') }} as date)
),

month_bounds as (
    select
        min(period_start_date) as first_month_start_date,
        max(period_start_date) as last_month_start_date
    from (
        select period_start_date from package_usage_monthly
        union all
        select period_start_date from package_installs_monthly
        union all
        select period_start_date from invoice_lines
    ) as data_months
),

months as (
    select cast(month_start as date) as period_start_date
    from (
        select {{ month_starts_between('first_month_start_date', 'last_month_start_date') }} as month_start
        from month_bounds
        where first_month_start_date is not null
    ) as spine
),

tenant_first_months as (
    -- The month of a tenant's first install of the package.
    select
        package_id,
        tenant_id,
        min(period_start_date) as first_period_start_date
    from package_installs_monthly
    group by package_id, tenant_id
),

installs_by_month as (
    select
        package_id,
        period_start_date,
        sum(install_count) as install_count
    from package_installs_monthly
    group by package_id, period_start_date
),

adoption_by_month as (
    select
        package_id,
        period_start_date,
        count(distinct tenant_id) as active_tenants,
        sum(event_count) as event_count
    from package_usage_monthly
    group by package_id, period_start_date
),

new_tenants_by_month as (
    select
        package_id,
        first_period_start_date as period_start_date,
        count(*) as new_tenants
    from tenant_first_months
    group by package_id, first_period_start_date
),

revenue_by_month as (
    select
        package_id,
        period_start_date,
        currency,
        count(distinct case when line_amount > 0 then tenant_id end) as billed_tenants,
        sum(line_amount) as gmv_amount,
        sum(platform_fee_amount) as platform_fee_amount,
        sum(partner_payout_amount) as partner_payout_amount
    from invoice_lines
    where package_id is not null
    group by package_id, period_start_date, currency
),

package_months as (
    select
        packages.package_id,
        packages.name as package_name,
        packages.publisher_id,
        packages.publisher_name,
        packages.category,
        packages.latest_version,
        months.period_start_date,
        coalesce(adoption_by_month.active_tenants, 0) as active_tenants,
        coalesce(adoption_by_month.event_count, 0) as event_count,
        coalesce(new_tenants_by_month.new_tenants, 0) as new_tenants,
        coalesce(installs_by_month.install_count, 0) as install_count,
        sum(coalesce(new_tenants_by_month.new_tenants, 0)) over (
            partition by packages.package_id order by months.period_start_date
            rows between unbounded preceding and current row
        ) as cumulative_tenants
    from packages
    cross join months
    left join adoption_by_month
        on
            packages.package_id = adoption_by_month.package_id
            and months.period_start_date = adoption_by_month.period_start_date
    left join new_tenants_by_month
        on
            packages.package_id = new_tenants_by_month.package_id
            and months.period_start_date = new_tenants_by_month.period_start_date
    left join installs_by_month
        on
            packages.package_id = installs_by_month.package_id
            and months.period_start_date = installs_by_month.period_start_date
),

package_months_by_currency as (
    -- One row per currency the package earned in that month; the price book's currency when it earned none.
    select
        package_months.*,
        coalesce(revenue_by_month.currency, settings.currency) as currency,
        coalesce(revenue_by_month.billed_tenants, 0) as billed_tenants,
        coalesce(revenue_by_month.gmv_amount, 0) as gmv_amount,
        coalesce(revenue_by_month.platform_fee_amount, 0) as platform_fee_amount,
        coalesce(revenue_by_month.partner_payout_amount, 0) as partner_payout_amount
    from package_months
    cross join settings
    left join revenue_by_month
        on
            package_months.package_id = revenue_by_month.package_id
            and package_months.period_start_date = revenue_by_month.period_start_date
),

final as (
    select
        {{ dbt.concat([
            format_period('period_start_date'), "'/'", 'package_id', "'/'", 'currency'
        ]) }} as package_performance_id,
        {{ format_period('period_start_date') }} as period,
        period_start_date,
        package_id,
        package_name,
        publisher_id,
        publisher_name,
        category,
        latest_version,
        currency,
        cast(active_tenants as bigint) as active_tenants,
        cast(new_tenants as bigint) as new_tenants,
        cast(cumulative_tenants as bigint) as cumulative_tenants,
        cast(event_count as bigint) as event_count,
        cast(billed_tenants as bigint) as billed_tenants,
        cast(gmv_amount as decimal(38, 6)) as gmv_amount,
        cast(platform_fee_amount as decimal(38, 6)) as platform_fee_amount,
        cast(partner_payout_amount as decimal(38, 6)) as partner_payout_amount,
        case
            when gmv_amount > 0
                then cast({{ divide_decimal('platform_fee_amount', 'gmv_amount') }} as decimal(18, 6))
        end as take_rate,
        cast(install_count as bigint) as install_count
    from package_months_by_currency
)

select * from final
