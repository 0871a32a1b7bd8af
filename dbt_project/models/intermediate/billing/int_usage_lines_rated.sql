{{ config(materialized='table') }}

-- DESIGN 3.2 steps 2-7: from the metric quantity of each (tenant, month, price) to a rounded line amount
-- and its split between partner and platform; percentage prices (decision 0701) take their summed
-- per-event fees instead of a unit price or tiers. Every amount stays DECIMAL: prices carry 12 decimals and
-- quantities 9, so products are DECIMAL(38, 21) and nothing is rounded before the line's final rounding.
with

usage as (select * from {{ ref('int_usage_aggregated_monthly') }}),
prices as (select * from {{ ref('int_prices_joined_to_metrics') }}),
tiers as (select * from {{ ref('stg_price_book__tiers') }}),
active_tenant_months as (select * from {{ ref('int_tenant_months_active') }}),

minimum_lines_without_usage as (
    -- Step 6: an active tenant owes a price's minimum even in a month with no usage of it.
    select
        active_tenant_months.tenant_id,
        active_tenant_months.period_start_date,
        prices.price_id,
        cast(0 as bigint) as event_count,
        cast(0 as decimal(38, 9)) as quantity,
        cast(
            case when prices.billing_scheme = 'percentage' then 0 end as decimal(38, 21)
        ) as percentage_fee_amount
    from active_tenant_months
    inner join prices on {{ price_book_in_force('prices', 'active_tenant_months.period_start_date') }}
    left join usage
        on
            active_tenant_months.tenant_id = usage.tenant_id
            and active_tenant_months.period_start_date = usage.period_start_date
            and prices.price_id = usage.price_id
    where prices.minimum_amount is not null and usage.price_id is null
),

lines as (
    select
        tenant_id,
        period_start_date,
        price_id,
        event_count,
        quantity,
        percentage_fee_amount
    from usage
    union all
    select
        tenant_id,
        period_start_date,
        price_id,
        event_count,
        quantity,
        percentage_fee_amount
    from minimum_lines_without_usage
),

quantities_after_free_units as (
    -- Step 2a: q1 = max(q - free_units, 0).
    select
        lines.*,
        prices.metric_id,
        prices.package_id,
        prices.billing_scheme,
        prices.tiers_mode,
        prices.unit_amount,
        prices.minimum_amount,
        prices.revenue_share,
        prices.transform_divide_by,
        prices.transform_round,
        prices.currency,
        prices.minor_units,
        prices.effective_from_date,
        cast(
            case when lines.quantity > prices.free_units then lines.quantity - prices.free_units else 0 end
            as decimal(38, 9)
        ) as quantity_after_free_units
    from lines
    -- The price as the version in force in the line's month defines it.
    inner join prices
        on
            lines.price_id = prices.price_id
            and {{ price_book_in_force('prices', 'lines.period_start_date') }}
),

quantities_billable as (
    -- Step 2b: q2 = ceil or floor of q1 / divide_by, exactly (no DOUBLE on the way).
    select
        *,
        cast(
            case
                when transform_divide_by is null then quantity_after_free_units
                when transform_round = 'down'
                    then {{ divide_to_integer('quantity_after_free_units', 'transform_divide_by', 'down') }}
                else {{ divide_to_integer('quantity_after_free_units', 'transform_divide_by', 'up') }}
            end as decimal(38, 9)
        ) as billable_quantity
    from quantities_after_free_units
),

tiers_bounded as (
    -- Tier i covers (up_to[i-1], up_to[i]]; the first tier starts above 0; up_to NULL is inf.
    select
        price_id,
        effective_from_date,
        tier_index,
        up_to,
        unit_amount,
        flat_amount,
        cast(
            coalesce(lag(up_to) over (partition by price_id, effective_from_date order by tier_index), 0)
            as decimal(38, 9)
        ) as lower_bound
    from tiers
),

graduated_amounts as (
    -- Step 4: each tier that q2 reaches (q2 > its lower bound) adds its flat amount and its units.
    select
        quantities_billable.tenant_id,
        quantities_billable.period_start_date,
        quantities_billable.price_id,
        sum(
            case
                when quantities_billable.billable_quantity > tiers_bounded.lower_bound
                    then tiers_bounded.flat_amount + tiers_bounded.unit_amount * (
                        case
                            when
                                tiers_bounded.up_to is null
                                or quantities_billable.billable_quantity < tiers_bounded.up_to
                                then quantities_billable.billable_quantity
                            else tiers_bounded.up_to
                        end
                        - tiers_bounded.lower_bound
                    )
                else 0
            end
        ) as rated_amount
    from quantities_billable
    inner join tiers_bounded
        on
            quantities_billable.price_id = tiers_bounded.price_id
            and quantities_billable.effective_from_date is not distinct from tiers_bounded.effective_from_date
    where quantities_billable.billing_scheme = 'tiered' and quantities_billable.tiers_mode = 'graduated'
    group by
        quantities_billable.tenant_id,
        quantities_billable.period_start_date,
        quantities_billable.price_id
),

volume_tiers_matched as (
    -- Step 5: the first tier with q2 <= up_to prices every unit.
    select
        quantities_billable.tenant_id,
        quantities_billable.period_start_date,
        quantities_billable.price_id,
        quantities_billable.billable_quantity,
        tiers_bounded.unit_amount,
        tiers_bounded.flat_amount,
        row_number() over (
            partition by
                quantities_billable.tenant_id,
                quantities_billable.period_start_date,
                quantities_billable.price_id
            order by tiers_bounded.tier_index
        ) as tier_rank
    from quantities_billable
    inner join tiers_bounded
        on
            quantities_billable.price_id = tiers_bounded.price_id
            and quantities_billable.effective_from_date is not distinct from tiers_bounded.effective_from_date
            and (tiers_bounded.up_to is null or quantities_billable.billable_quantity <= tiers_bounded.up_to)
    where quantities_billable.billing_scheme = 'tiered' and quantities_billable.tiers_mode = 'volume'
),

volume_amounts as (
    select
        tenant_id,
        period_start_date,
        price_id,
        case
            when billable_quantity = 0 then 0
            else flat_amount + unit_amount * billable_quantity
        end as rated_amount
    from volume_tiers_matched
    where tier_rank = 1
),

amounts_rated as (
    select
        quantities_billable.*,
        cast(
            case
                when quantities_billable.billing_scheme = 'per_unit'
                    then quantities_billable.unit_amount * quantities_billable.billable_quantity
                -- Percentage: each event's fee, summed in int_usage_aggregated_monthly (decision 0701).
                when quantities_billable.billing_scheme = 'percentage'
                    then coalesce(quantities_billable.percentage_fee_amount, 0)
                when quantities_billable.tiers_mode = 'volume' then volume_amounts.rated_amount
                else graduated_amounts.rated_amount
            end as decimal(38, 21)
        ) as rated_amount
    from quantities_billable
    left join graduated_amounts
        on
            quantities_billable.tenant_id = graduated_amounts.tenant_id
            and quantities_billable.period_start_date = graduated_amounts.period_start_date
            and quantities_billable.price_id = graduated_amounts.price_id
    left join volume_amounts
        on
            quantities_billable.tenant_id = volume_amounts.tenant_id
            and quantities_billable.period_start_date = volume_amounts.period_start_date
            and quantities_billable.price_id = volume_amounts.price_id
),

amounts_with_minimum as (
    -- Step 6. Every line here belongs to an active tenant-month: usage makes a tenant active, and the
    -- lines without usage were made for active tenant-months only.
    select
        *,
        cast(
            case
                when minimum_amount is not null and minimum_amount > rated_amount then minimum_amount
                else rated_amount
            end as decimal(38, 21)
        ) as amount_before_rounding
    from amounts_rated
),

amounts_rounded as (
    -- Step 7: the line is rounded half-up to the currency's minor unit.
    select
        *,
        {{ round_half_up('amount_before_rounding', 'minor_units') }} as line_amount
    from amounts_with_minimum
),

final as (
    select
        tenant_id,
        period_start_date,
        price_id,
        metric_id,
        package_id,
        event_count,
        quantity,
        billable_quantity,
        amount_before_rounding,
        line_amount,
        cast(
            case
                when package_id is null then 0
                else {{ round_half_up('line_amount * coalesce(revenue_share, 0)', 'minor_units') }}
            end as decimal(38, 6)
        ) as partner_payout_amount,
        cast(
            line_amount - case
                when package_id is null then 0
                else {{ round_half_up('line_amount * coalesce(revenue_share, 0)', 'minor_units') }}
            end as decimal(38, 6)
        ) as platform_fee_amount,
        currency,
        minor_units
    from amounts_rounded
)

select * from final
