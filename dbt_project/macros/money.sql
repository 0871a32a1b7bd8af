{#- Money and quantity rules of the rating engine (DESIGN 3.2), named once so they stay portable.

    DuckDB turns DECIMAL / DECIMAL into DOUBLE, so every division in rating goes through the exact
    helpers below; multiplication, addition and round() keep DECIMAL.

    Spark types a product or quotient that needs more than 38 digits by cutting its scale to 6, rounding
    (spark.sql.decimalOperations.allowPrecisionLoss, default true): a later half-up rounding becomes a double
    rounding (0.0049995 -> 0.005000 -> 0.01). profiles.yml sets it to false, so a product keeps its full scale
    (decimal(38,12) x decimal(38,9) = decimal(38,21), as on DuckDB) and the on-run-start hook refuses a
    session where it is not; the spark__ twins below divide with integer `div` and an exact remainder,
    so no quotient is rounded before the final rounding whatever the setting (docs/decisions/0080). -#}

{#- Digits after the decimal point of a currency (ISO 4217): the currencies whose minor unit is not 2, as in
    billing/money.py's table (tests/billing/test_minor_units.py renders this macro and checks every code of
    the Python table against it). Unknown currencies get 2; the price book refuses them anyway. -#}
{% macro currency_minor_units(currency) -%}
    {%- set not_two_places = {
        'bhd': 3, 'bif': 0, 'clf': 4, 'clp': 0, 'djf': 0, 'gnf': 0, 'iqd': 3, 'isk': 0, 'jod': 3, 'jpy': 0,
        'kmf': 0, 'krw': 0, 'kwd': 3, 'lyd': 3, 'omr': 3, 'pyg': 0, 'rwf': 0, 'tnd': 3, 'ugx': 0, 'uyi': 0,
        'uyw': 4, 'vnd': 0, 'vuv': 0, 'xaf': 0, 'xof': 0, 'xpf': 0
    } -%}
    case lower({{ currency }})
        {%- for code, places in not_two_places | dictsort %}
        when '{{ code }}' then {{ places }}
        {%- endfor %}
        else 2
    end
{%- endmacro %}

{#- Round half up (half away from zero) to `minor_units` places; the result is DECIMAL(38, 6), the money
    type of the marts. `minor_units` may be a column: each branch rounds with a literal scale, and each
    branch is cast on its own because DuckDB would otherwise unify the branches to the smallest scale. -#}
{% macro round_half_up(expression, minor_units) -%}
    {{ return(adapter.dispatch('round_half_up', 'atom')(expression, minor_units)) }}
{%- endmacro %}

{% macro default__round_half_up(expression, minor_units) -%}
    case {{ minor_units }}
        {%- for places in range(0, 5) %}
        when {{ places }} then cast(round({{ expression }}, {{ places }}) as decimal(38, 6))
        {%- endfor %}
    end
{%- endmacro %}

{% macro spark__round_half_up(expression, minor_units) -%}
    {#- Spark's round() on a DECIMAL is HALF_UP, as DuckDB's; the branches as in default__. -#}
    case {{ minor_units }}
        {%- for places in range(0, 5) %}
        when {{ places }} then cast(round({{ expression }}, {{ places }}) as decimal(38, 6))
        {%- endfor %}
    end
{%- endmacro %}

{#- Exact quotient of two non-negative DECIMALs with at most 9 decimals, rounded down (floor) or up
    (ceil) to a whole number: transform_quantity's divide_by. -#}
{% macro divide_to_integer(numerator, denominator, rounding) -%}
    {{ return(adapter.dispatch('divide_to_integer', 'atom')(numerator, denominator, rounding)) }}
{%- endmacro %}

{% macro default__divide_to_integer(numerator, denominator, rounding) -%}
    cast(
        {{ 'ceil' if rounding == 'up' else 'floor' }}(
            cast({{ numerator }} as decimal(38, 9)) / cast({{ denominator }} as decimal(38, 9))
        ) as decimal(38, 9)
    )
{%- endmacro %}

{% macro duckdb__divide_to_integer(numerator, denominator, rounding) -%}
    {#- Both sides scaled by 10^9 to HUGEINT: the integer division is then exact, and for
        non-negative values `//` is floor; ceil(a / b) = (a + b - 1) // b. -#}
    {%- set a = 'cast(cast(' ~ numerator ~ ' as decimal(38, 9)) * 1000000000 as hugeint)' -%}
    {%- set b = 'cast(cast(' ~ denominator ~ ' as decimal(38, 9)) * 1000000000 as hugeint)' -%}
    {%- if rounding == 'up' -%}
        cast((({{ a }}) + ({{ b }}) - 1) // ({{ b }}) as decimal(38, 9))
    {%- else -%}
        cast(({{ a }}) // ({{ b }}) as decimal(38, 9))
    {%- endif -%}
{%- endmacro %}

{% macro spark__divide_to_integer(numerator, denominator, rounding) -%}
    {#- `div` on DECIMALs is BigDecimal.divideToIntegralValue: exact, truncating (floor for non-negative
        values); a ceiling adds one when the division leaves a remainder. floor() of a decimal quotient
        would floor a value Spark may already have rounded (9.999999999 / 10 -> 1.000000 -> 1). -#}
    {%- set a = 'cast(' ~ numerator ~ ' as decimal(38, 9))' -%}
    {%- set b = 'cast(' ~ denominator ~ ' as decimal(38, 9))' -%}
    {%- if rounding == 'up' -%}
        cast(
            ({{ a }} div {{ b }})
            + case when cast({{ a }} div {{ b }} as decimal(38, 9)) * {{ b }} < {{ a }} then 1 else 0 end
            as decimal(38, 9)
        )
    {%- else -%}
        cast({{ a }} div {{ b }} as decimal(38, 9))
    {%- endif -%}
{%- endmacro %}

{#- numerator / denominator as DECIMAL(38, 12), truncated toward zero. Rounding this half-up to at most
    10 places gives the same result as rounding the exact quotient, since a rounding boundary with
    fewer than 12 decimals can never fall inside the truncated part. Operands below 10^14. -#}
{% macro divide_decimal(numerator, denominator) -%}
    {{ return(adapter.dispatch('divide_decimal', 'atom')(numerator, denominator)) }}
{%- endmacro %}

{% macro default__divide_decimal(numerator, denominator) -%}
    cast(cast({{ numerator }} as decimal(38, 12)) / cast({{ denominator }} as decimal(38, 12)) as decimal(38, 12))
{%- endmacro %}

{% macro duckdb__divide_decimal(numerator, denominator) -%}
    cast(
        (
            cast(cast({{ numerator }} as decimal(38, 12)) * 1000000000000 as hugeint) * 1000000000000
            // cast(cast({{ denominator }} as decimal(38, 12)) * 1000000000000 as hugeint)
        ) as decimal(38, 0)
    ) * cast(0.000000000001 as decimal(38, 12))
{%- endmacro %}

{% macro spark__divide_decimal(numerator, denominator) -%}
    {#- Long division in two exact steps: the whole part with `div` (truncating), then twelve decimals of
        the remainder, also with `div`; the remainder is below the denominator, so remainder x 10^12 fits
        decimal(38, 12) for operands below 10^14. Truncates toward zero, as the DuckDB twin. -#}
    {%- set a = 'cast(' ~ numerator ~ ' as decimal(38, 12))' -%}
    {%- set b = 'cast(' ~ denominator ~ ' as decimal(38, 12))' -%}
    {%- set whole = 'cast(' ~ a ~ ' div ' ~ b ~ ' as decimal(38, 0))' -%}
    cast(
        {{ whole }}
        + cast(
            cast(({{ a }} - {{ whole }} * {{ b }}) * 1000000000000 as decimal(38, 12)) div {{ b }}
            as decimal(38, 0)
        ) * cast(0.000000000001 as decimal(38, 12))
        as decimal(38, 12)
    )
{%- endmacro %}
