{#- Calendar helpers of the governance marts (review deadlines); DuckDB-only constructs behind
    adapter.dispatch with a Spark-style default__ twin (DESIGN 4). -#}

{#- ISO day of week of a date or timestamp: 1 = Monday ... 7 = Sunday. -#}
{% macro iso_weekday(expression) -%}
    {{ return(adapter.dispatch('iso_weekday', 'atom')(expression)) }}
{%- endmacro %}

{% macro default__iso_weekday(expression) -%}
    (weekday({{ expression }}) + 1)
{%- endmacro %}

{% macro spark__iso_weekday(expression) -%}
    {{ default__iso_weekday(expression) }}
{%- endmacro %}

{% macro duckdb__iso_weekday(expression) -%}
    isodow({{ expression }})
{%- endmacro %}

{#- The current moment as a zone-less UTC timestamp, the convention of every raw TIMESTAMP; the var
    `governance_as_of` ('YYYY-MM-DD HH:MM:SS', UTC) pins it, so a rebuild of the past and tests are
    repeatable. -#}
{% macro utc_now() -%}
    {%- set as_of = var('governance_as_of', none) -%}
    {%- if as_of -%}
        cast('{{ as_of }}' as timestamp)
    {%- elif env_var('ATOM_TODAY', '') -%}
        {#- A pinned day (clock.sql) keeps the wall clock's time of day, as atom.clock.now does. -#}
        ({{ atom_today() }} + ({{ utc_now_unpinned() }} - {{ dbt.date_trunc('day', utc_now_unpinned()) }}))
    {%- else -%}
        {{ utc_now_unpinned() }}
    {%- endif -%}
{%- endmacro %}

{% macro utc_now_unpinned() -%}
    {{ return(adapter.dispatch('utc_now', 'atom')()) }}
{%- endmacro %}

{% macro default__utc_now() -%}
    to_utc_timestamp(current_timestamp(), current_timezone())
{%- endmacro %}

{% macro spark__utc_now() -%}
    {{ default__utc_now() }}
{%- endmacro %}

{% macro duckdb__utc_now() -%}
    cast(timezone('UTC', current_timestamp) as timestamp)
{%- endmacro %}

{#- `timestamp_expression` plus `working_days` working days (Monday to Friday; no public holidays).
    A moment on a weekend first moves to the next Monday 00:00, where the clock starts; then every 5
    working days are 7 calendar days and a remainder r from ISO weekday w (1-5) takes r calendar days,
    or r + 2 when it crosses a weekend (w + r > 5). `working_days` is a Jinja integer (a var). -#}
{% macro add_working_days(timestamp_expression, working_days) -%}
    {%- set whole_weeks = (working_days | int) // 5 -%}
    {%- set remainder = (working_days | int) % 5 -%}
    {%- set day_start = 'cast(' ~ dbt.date_trunc('day', timestamp_expression) ~ ' as timestamp)' -%}
    {%- set clock_start -%}
        case {{ iso_weekday(timestamp_expression) }}
            when 6 then {{ dbt.dateadd('day', 2, day_start) }}
            when 7 then {{ dbt.dateadd('day', 1, day_start) }}
            else cast({{ timestamp_expression }} as timestamp)
        end
    {%- endset -%}
    cast({{ dbt.dateadd(
        'day',
        '(' ~ (7 * whole_weeks + remainder) ~ ' + case when ' ~ iso_weekday(clock_start) ~ ' + '
            ~ remainder ~ ' > 5 then 2 else 0 end)',
        clock_start
    ) }} as timestamp)
{%- endmacro %}
