{#- The platform's "today" (atom/clock.py): ATOM_TODAY (YYYY-MM-DD) pins it, so a home generated as of a
    day is built and rated as of that day, and tests near a month boundary are repeatable; unset, the
    engine's current UTC date. -#}
{% macro atom_today() -%}
    {%- set pinned = env_var('ATOM_TODAY', '') -%}
    {%- if pinned -%}
        {%- if not modules.re.fullmatch('\d{4}-\d{2}-\d{2}', pinned) -%}
            {{ exceptions.raise_compiler_error("ATOM_TODAY must be a date YYYY-MM-DD, got '" ~ pinned ~ "'") }}
        {%- endif -%}
        cast('{{ pinned }}' as date)
    {%- else -%}
        cast({{ utc_now_unpinned() }} as date)
    {%- endif -%}
{%- endmacro %}
