{#- DuckDB-only constructs live here, behind adapter.dispatch, each with its Spark twin beside it (DESIGN 4).
    default__ is the Spark SQL form too; spark__ names it so a reader sees every engine's version. -#}

{#- The text value of a top-level key of a JSON object held as text; `key` may be a column. -#}
{% macro json_extract_text(json_text, key) -%}
    {{ return(adapter.dispatch('json_extract_text', 'atom')(json_text, key)) }}
{%- endmacro %}

{% macro default__json_extract_text(json_text, key) -%}
    get_json_object({{ json_text }}, concat('$.', {{ key }}))
{%- endmacro %}

{% macro spark__json_extract_text(json_text, key) -%}
    {{ default__json_extract_text(json_text, key) }}
{%- endmacro %}

{% macro duckdb__json_extract_text(json_text, key) -%}
    json_extract_string({{ json_text }}, '$.' || {{ key }})
{%- endmacro %}

{#- 'YYYY-MM' of a date. -#}
{% macro format_period(date_expression) -%}
    {{ return(adapter.dispatch('format_period', 'atom')(date_expression)) }}
{%- endmacro %}

{% macro default__format_period(date_expression) -%}
    date_format({{ date_expression }}, 'yyyy-MM')
{%- endmacro %}

{% macro spark__format_period(date_expression) -%}
    {{ default__format_period(date_expression) }}
{%- endmacro %}

{% macro duckdb__format_period(date_expression) -%}
    strftime(cast({{ date_expression }} as date), '%Y-%m')
{%- endmacro %}

{#- One row per month start in [first_month, last_month], as a set-returning select expression. -#}
{% macro month_starts_between(first_month, last_month) -%}
    {{ return(adapter.dispatch('month_starts_between', 'atom')(first_month, last_month)) }}
{%- endmacro %}

{% macro default__month_starts_between(first_month, last_month) -%}
    explode(sequence(cast({{ first_month }} as date), cast({{ last_month }} as date), interval 1 month))
{%- endmacro %}

{% macro spark__month_starts_between(first_month, last_month) -%}
    {{ default__month_starts_between(first_month, last_month) }}
{%- endmacro %}

{% macro duckdb__month_starts_between(first_month, last_month) -%}
    unnest(generate_series(cast({{ first_month }} as timestamp), cast({{ last_month }} as timestamp), interval 1 month))
{%- endmacro %}

{#- A 64-bit hash of a row's `columns` (a list of expressions); NULLs hash alike. -#}
{% macro key_hash(columns) -%}
    {{ return(adapter.dispatch('key_hash', 'atom')(columns)) }}
{%- endmacro %}

{% macro default__key_hash(columns) -%}
    xxhash64({{ columns | join(', ') }})
{%- endmacro %}

{% macro spark__key_hash(columns) -%}
    {{ default__key_hash(columns) }}
{%- endmacro %}

{% macro duckdb__key_hash(columns) -%}
    hash({{ columns | join(', ') }})
{%- endmacro %}
