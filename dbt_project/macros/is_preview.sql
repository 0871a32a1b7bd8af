{#- var atom_preview as a real boolean, whether it came from YAML (true) or a CLI string ('true'). -#}
{% macro is_preview() -%}
    {{ return(var('atom_preview', false) | string | lower in ['true', '1', 'yes']) }}
{%- endmacro %}
