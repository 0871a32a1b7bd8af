{#- A model's schema is exactly its layer (staging, intermediate, marts), never dbt's default
    "<target schema>_<custom schema>": analysts, the serving snapshot and Dagster asset keys all
    address tables as <layer>.<model>. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema | trim }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
