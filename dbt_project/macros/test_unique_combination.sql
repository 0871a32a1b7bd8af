{#- Composite primary key test: no two rows share the same values of `columns` (NULLs compare equal,
    as a grain column such as package_id may be NULL).

    Two passes: group a 64-bit hash of the key, then count exactly only the keys whose hash repeats (a
    collision just makes a key a suspect). dbt build runs a model's tests before its children, so this
    test on the 10M-row events gates the whole rating chain: grouping hashes instead of two strings took
    it from 2.2 s to 1.3 s at 10M events (docs/decisions/0002-one-build-job.md).

    `new_rows_since` (decision 0092): on a table that only grows, by batches stamped with their load time,
    an incremental build checks only the keys of rows loaded after the watermark of the incremental model
    named (`{'loaded_at': 'loaded_at', 'watermark_of': 'int_usage_aggregated_daily'}`), each against every
    row of the table. Rows at or before the watermark passed this test in the build that advanced it (dbt
    build skips a model whose parent's test failed), so a repeat can only involve a new row. The full
    check runs on `--full-refresh` and when the watermark model is missing or has no `loaded_through`
    (an empty one has the epoch for watermark: every row counts as new). The 4.4-6.1 s of the full check at 10M events (docs/benchmarks.md) becomes a scan of
    the keys with a semi-join on the new ones. -#}
{% test unique_combination(model, columns, new_rows_since=none) %}

{%- set watermark = unique_combination_watermark(new_rows_since) -%}
{#- The keys to count exactly: named for the check compiled, so the SQL says which one ran. -#}
{%- set candidates = 'repeated_hashes' if watermark is none else 'new_hashes' %}

with {{ candidates }} as (
{%- if watermark is none %}
    -- The full check: every key carried by more than one row.
    select {{ key_hash(columns) }} as key_hash
    from {{ model }}
    group by 1
    having count(*) > 1
{%- else %}
    -- Only the keys of rows loaded after the watermark, each counted below against every row.
    select distinct {{ key_hash(columns) }} as key_hash
    from {{ model }}
    where {{ new_rows_since['loaded_at'] }} > {{ watermark }}
{%- endif %}
)

select
    {{ columns | join(', ') }},
    count(*) as row_count
from {{ model }}
where {{ key_hash(columns) }} in (select key_hash from {{ candidates }})
group by {{ columns | join(', ') }}
having count(*) > 1

{% endtest %}

{#- The newest loaded_at the model `new_rows_since['watermark_of']` has summarised, as a SQL scalar
    subquery (the epoch when it is empty), or none for the full check (see above). The model is looked up by name in the graph, not
    with ref(): a ref would make this test wait for that model, whose watermark would then already
    include the new rows. -#}
{% macro unique_combination_watermark(new_rows_since) -%}
    {%- if new_rows_since is none or flags.FULL_REFRESH or not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set name = new_rows_since['watermark_of'] -%}
    {%- set nodes = graph.nodes.values() | selectattr('resource_type', 'equalto', 'model')
        | selectattr('name', 'equalto', name) | list -%}
    {%- if nodes | length != 1 -%}
        {{ exceptions.raise_compiler_error("unique_combination: no model named " ~ name ~ " to take the watermark of") }}
    {%- endif -%}
    {%- set node = nodes[0] -%}
    {%- set relation = adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias) -%}
    {%- if relation is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set columns = adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | list -%}
    {%- if 'loaded_through' not in columns -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return("(select coalesce(max(loaded_through), cast('1970-01-01 00:00:00' as timestamp)) from " ~ relation ~ ")") }}
{%- endmacro %}
