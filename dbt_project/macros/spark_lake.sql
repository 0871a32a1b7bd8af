{#- Spark only (DESIGN 4): raw tables come from the lake as Parquet, and the marts go back there as Parquet
    for the serving snapshot. ATOM_SPARK_LAKE is a URL both this machine and the cluster reach (a folder
    under the home by default, s3://... or abfss://... on a cluster); atom/spark_lake.py writes raw/. On
    DuckDB these hooks render nothing. -#}

{% macro spark_lake_url() -%}
    {{ return(env_var('ATOM_SPARK_LAKE', '') | trim) }}
{%- endmacro %}

{#- on-run-start: refuse to rate with inexact decimals, then point each raw source at its Parquet folder.
    The tables are dropped and recreated (external tables: no data moves) so a new export is read whole. -#}
{% macro spark_on_run_start() -%}
    {%- if target.type == 'spark' and execute -%}
        {%- set loss = run_query('set spark.sql.decimalOperations.allowPrecisionLoss') -%}
        {%- if (loss.columns[1].values()[0] | string | lower) != 'false' -%}
            {{ exceptions.raise_compiler_error(
                "spark.sql.decimalOperations.allowPrecisionLoss must be false: with it Spark rounds decimal products "
                ~ "and quotients to 6 places and invoice lines move by a minor unit (profiles.yml server_side_parameters)"
            ) }}
        {%- endif -%}
        {%- set lake = spark_lake_url() -%}
        {%- if not lake -%}
            {{ exceptions.raise_compiler_error("ATOM_SPARK_LAKE is not set: run dbt on Spark through atom (atom/dbt_cli.py)") }}
        {%- endif -%}
        {%- set schemas = [] -%}
        {%- for source in graph.sources.values() -%}
            {%- if source.schema not in schemas -%}
                {%- do run_query('create database if not exists ' ~ source.schema) -%}
                {%- do schemas.append(source.schema) -%}
            {%- endif -%}
            {%- set relation = source.schema ~ '.' ~ source.identifier -%}
            {%- do run_query('drop table if exists ' ~ relation) -%}
            {%- do run_query(
                'create table ' ~ relation ~ " using parquet location '" ~ lake ~ '/' ~ source.schema ~ '/'
                ~ source.identifier ~ "'"
            ) -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}

{#- on-run-end: every mart this run built, written to <lake>/marts/<name>/ as Parquet, which the serving
    snapshot loads (atom/serving.py). -#}
{% macro spark_on_run_end(results) -%}
    {%- if target.type == 'spark' and execute and flags.WHICH in ['build', 'run'] -%}
        {%- set lake = spark_lake_url() -%}
        {%- for result in results -%}
            {%- set node = result.node -%}
            {%- if node.resource_type == 'model' and node.schema == 'marts' and result.status == 'success' -%}
                {%- do run_query(
                    "insert overwrite directory '" ~ lake ~ '/marts/' ~ node.alias ~ "' using parquet select * from "
                    ~ node.schema ~ '.' ~ node.alias
                ) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
