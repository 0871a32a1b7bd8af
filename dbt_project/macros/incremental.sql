{#- Incremental usage models (issue 14, docs/decisions/0091-incremental-usage-and-no-op-builds.md).

    raw.usage_events only grows, one batch at a time, and every batch's rows carry the moment it was loaded
    (loaded_at, strictly increasing: loads are serialised with builds, DESIGN 2). An incremental usage model
    keeps, on each row, the latest loaded_at among the events it summarises (`loaded_through`); the largest
    value in the table is its watermark. A build recomputes, from all events, only the keys (tenant-days,
    tenant-months) that events loaded after the watermark reach - late ones included - and replaces those
    keys (delete+insert). `atom build --full-refresh` rebuilds the table from raw. -#}

{#- The materialization of an incremental usage model: incremental where the engine can replace keys
    in place (DuckDB: delete+insert); a table rebuilt whole on Spark, whose plain Parquet tables cannot
    delete rows (docs/decisions/0080-dbt-on-spark.md). -#}
{% macro usage_materialization() -%}
    {{ return('table' if target.type == 'spark' else 'incremental') }}
{%- endmacro %}

{#- The newest loaded_at already summarised in this model; the epoch when it is empty, or when it was
    built before it kept the column (a home upgraded in place: every key is then recomputed once, and
    on_schema_change adds the column). -#}
{% macro usage_watermark() -%}
    {%- set epoch = "cast('1970-01-01 00:00:00' as timestamp)" -%}
    {%- set columns = adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list -%}
    {%- if 'loaded_through' in columns -%}
        (select coalesce(max(loaded_through), {{ epoch }}) from {{ this }})
    {%- else -%}
        {{ epoch }}
    {%- endif -%}
{%- endmacro %}

{#- The keys new batches reach: each (tenant_id, `column`) where `column` is the UTC `period` ('day' or
    'month') of an event loaded after this model's watermark, late ones included. Read from the staging view
    itself, not from a CTE of the model: DuckDB materializes whole a CTE read twice. -#}
{% macro usage_touched_keys(period, column) -%}
    select distinct
        tenant_id,
        cast({{ dbt.date_trunc(period, 'occurred_at') }} as date) as {{ column }}
    from {{ ref('stg_usage__events') }}
    where loaded_at > {{ usage_watermark() }}
{%- endmacro %}

{#- The aggregations that do not add up across builds: a reached month of theirs is recomputed from every
    event of the month, where count, sum and max combine the kept row with the new events (decision 0095). -#}
{% macro recomputed_aggregations() -%}
    ('unique_count', 'latest', 'weighted_sum')
{%- endmacro %}

{#- The events a monthly usage model reads, with their UTC month as period_start_date: every event on a full
    build; on an incremental one, in the tenant-months `touched` holds, the new events and every event of a
    metric some row of `definitions` (metric_id, aggregation: prices or metric definitions) recomputes. -#}
{% macro usage_events_by_month(events, touched, definitions) -%}
    {%- set month = 'cast(' ~ dbt.date_trunc('month', events ~ '.occurred_at') ~ ' as date)' -%}
    select
        {{ events }}.event_id,
        {{ events }}.tenant_id,
        {{ events }}.package_id,
        {{ events }}.metric_id,
        {{ events }}.quantity,
        {{ events }}.properties,
        {{ events }}.occurred_at,
        {{ events }}.loaded_at,
        {{ month }} as period_start_date
    from {{ events }}
    {%- if is_incremental() %}
        inner join {{ touched }}
            on {{ events }}.tenant_id = {{ touched }}.tenant_id and {{ touched }}.period_start_date = {{ month }}
        where
            {{ events }}.loaded_at > {{ usage_watermark() }}
            or {{ events }}.metric_id in (
                select metric_id from {{ definitions }} where aggregation in {{ recomputed_aggregations() }}
            )
    {%- endif %}
{%- endmacro %}

{#- One text fingerprint of a relation's rows, whatever their order: a model keeps the fingerprint of the
    prices it rated with, and drops every row rated with other prices (a price-book version published,
    a price changed) before recomputing, which then covers every key. -#}
{% macro rows_fingerprint(relation) -%}
    {{ return(adapter.dispatch('rows_fingerprint', 'atom')(relation)) }}
{%- endmacro %}

{% macro default__rows_fingerprint(relation) -%}
    (select md5(concat_ws('|', array_sort(collect_list(to_json(struct(*)))))) from {{ relation }})
{%- endmacro %}

{% macro spark__rows_fingerprint(relation) -%}
    {{ default__rows_fingerprint(relation) }}
{%- endmacro %}

{% macro duckdb__rows_fingerprint(relation) -%}
    (select md5(coalesce(string_agg(cast(r as varchar), '|' order by cast(r as varchar)), '')) from {{ relation }} as r)
{%- endmacro %}

{#- Pre-hook of a rated incremental model: rows rated with other prices than today's go, so the model
    recomputes them (the watermark of an emptied table is the epoch). `column` keeps each row's fingerprint
    of `prices` (or of whatever other relation its rows were computed with: metric definitions). -#}
{% macro drop_rows_rated_with_other_prices(prices, column='prices_fingerprint') -%}
    {%- if is_incremental() -%}
        {%- set columns = adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list -%}
        {%- if column in columns -%}
            delete from {{ this }} where {{ column }} is distinct from {{ rows_fingerprint(prices) }}
        {%- else -%}
            delete from {{ this }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
