{#- Helpers of the gauge aggregations (latest, weighted_sum) and of the percentage charge (decision 0701).
    DuckDB-only constructs behind adapter.dispatch, the Spark form as default__ (DESIGN 4). -#}

{#- Whole seconds from `start_at` to `end_at` (timestamps): both are cut to the second first, as Lago's
    weighted sum counts seconds. A BIGINT. -#}
{% macro seconds_between(start_at, end_at) -%}
    {{ return(adapter.dispatch('seconds_between', 'atom')(start_at, end_at)) }}
{%- endmacro %}

{% macro default__seconds_between(start_at, end_at) -%}
    cast(unix_timestamp(cast({{ end_at }} as timestamp)) - unix_timestamp(cast({{ start_at }} as timestamp)) as bigint)
{%- endmacro %}

{% macro spark__seconds_between(start_at, end_at) -%}
    {{ default__seconds_between(start_at, end_at) }}
{%- endmacro %}

{% macro duckdb__seconds_between(start_at, end_at) -%}
    cast(date_diff('second', cast({{ start_at }} as timestamp), cast({{ end_at }} as timestamp)) as bigint)
{%- endmacro %}

{#- A non-negative DECIMAL with at most 9 places divided by a positive whole number, rounded half-up to 9
    places (the quantity scale), exactly: DECIMAL(38, 9). weighted_sum divides quantity-seconds by the
    seconds of the month with it. Numerator below 10^28 on DuckDB; on Spark `div` yields a BIGINT, so the
    quotient must stay below 9.2 x 10^9 (a mean level of nine billion units). -#}
{% macro divide_quantity_half_up(numerator, denominator) -%}
    {{ return(adapter.dispatch('divide_quantity_half_up', 'atom')(numerator, denominator)) }}
{%- endmacro %}

{% macro default__divide_quantity_half_up(numerator, denominator) -%}
    {#- (2a + b) div 2b on the numerator scaled to whole nano-units: half-up for non-negative values. -#}
    {%- set a = 'cast(cast(' ~ numerator ~ ' as decimal(38, 9)) * 1000000000 as decimal(38, 0))' -%}
    {%- set b = 'cast(' ~ denominator ~ ' as decimal(38, 0))' -%}
    cast(
        cast((2 * {{ a }} + {{ b }}) div (2 * {{ b }}) as decimal(38, 0))
        * cast(0.000000001 as decimal(10, 9))
        as decimal(38, 9)
    )
{%- endmacro %}

{% macro spark__divide_quantity_half_up(numerator, denominator) -%}
    {{ default__divide_quantity_half_up(numerator, denominator) }}
{%- endmacro %}

{% macro duckdb__divide_quantity_half_up(numerator, denominator) -%}
    {%- set a = 'cast(cast(' ~ numerator ~ ' as decimal(38, 9)) * 1000000000 as hugeint)' -%}
    {%- set b = 'cast(' ~ denominator ~ ' as hugeint)' -%}
    cast(
        cast((2 * {{ a }} + {{ b }}) // (2 * {{ b }}) as decimal(38, 0))
        * cast(0.000000001 as decimal(10, 9))
        as decimal(38, 9)
    )
{%- endmacro %}

{#- The fee of one event under a percentage price (Lago's percentage charge): rate x amount + fixed fee,
    held within the per-event minimum and maximum. Arguments are column expressions; the result is
    DECIMAL(38, 21), unrounded (the line is rounded once). Portable SQL. -#}
{% macro percentage_event_fee(amount, rate_fraction, fixed_amount, minimum_amount, maximum_amount) -%}
    {%- set fee = '(' ~ amount ~ ' * ' ~ rate_fraction ~ ' + coalesce(' ~ fixed_amount ~ ', 0))' -%}
    cast(
        case
            when {{ minimum_amount }} is not null and {{ fee }} < {{ minimum_amount }} then {{ minimum_amount }}
            when {{ maximum_amount }} is not null and {{ fee }} > {{ maximum_amount }} then {{ maximum_amount }}
            else {{ fee }}
        end as decimal(38, 21)
    )
{%- endmacro %}

{#- latest and weighted_sum of the events of `events` (a relation or CTE with event_id, quantity,
    occurred_at, aggregation and period_start_date), per `keys` (column names, period_start_date among
    them): each event sets the level from its instant until the next reading of its group or the month's
    end; the level is 0 before the month's first reading (no carry-over). Readings at one instant are
    ordered by event id, so the result never depends on load order. One row per group with
    quantity_latest (the last reading), quantity_seconds (the level integrated over whole seconds) and
    month_seconds; the rated model (per price) and the usage model (per package and metric) share it. -#}
{% macro readings_aggregated(events, keys) -%}
    {%- set group = keys | join(', ') -%}
    {%- set month_end = 'cast(' ~ dbt.dateadd('month', 1, 'period_start_date') ~ ' as timestamp)' -%}
    select
        {{ group }},
        max(case when reading_rank_from_last = 1 then quantity end) as quantity_latest,
        sum(quantity * {{ seconds_between('occurred_at', 'coalesce(next_occurred_at, ' ~ month_end ~ ')') }})
            as quantity_seconds,
        {{ seconds_between('period_start_date', month_end) }} as month_seconds
    from (
        select
            {{ group }},
            quantity,
            occurred_at,
            lead(occurred_at) over (partition by {{ group }} order by occurred_at, event_id) as next_occurred_at,
            row_number() over (
                partition by {{ group }} order by occurred_at desc, event_id desc
            ) as reading_rank_from_last
        from {{ events }}
        where aggregation in ('latest', 'weighted_sum')
    ) as readings
    group by {{ group }}
{%- endmacro %}
