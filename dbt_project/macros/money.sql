{#- Money and quantity rules of the rating engine (DESIGN 3.2), named once so they stay portable.

    DuckDB turns DECIMAL / DECIMAL into DOUBLE, so every division in rating goes through the exact
    helpers below; multiplication, addition and round() keep DECIMAL. -#}

{#- Digits after the decimal point of a currency (ISO 4217). Unknown currencies get 2, the common case;
    stg_price_book__settings warns when the loader's minor_units disagrees. -#}
{% macro currency_minor_units(currency) -%}
    case lower({{ currency }})
        when 'jpy' then 0
        when 'krw' then 0
        when 'vnd' then 0
        when 'clp' then 0
        when 'isk' then 0
        when 'ugx' then 0
        when 'xof' then 0
        when 'xaf' then 0
        when 'pyg' then 0
        when 'kwd' then 3
        when 'bhd' then 3
        when 'omr' then 3
        when 'jod' then 3
        when 'tnd' then 3
        when 'lyd' then 3
        when 'iqd' then 3
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
