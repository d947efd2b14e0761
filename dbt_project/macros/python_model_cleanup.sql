{#- dbt-duckdb writes an incremental Python model's new rows to a table named
    <model>__dbt_tmp<timestamp> in the `main` schema and never drops it (its
    py_write_table ignores `temporary`), so every run would leave one behind. Used as the
    model's post-hook: drops those tables, including any left by earlier runs. -#}
{% macro drop_python_model_temp_tables() -%}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- set leftovers = run_query(
        "select table_name from information_schema.tables"
        ~ " where table_catalog = '" ~ this.database ~ "' and table_schema = 'main'"
        ~ " and starts_with(table_name, '" ~ this.identifier ~ "__dbt_tmp')") -%}
    {%- for row in leftovers.rows %}
    drop table if exists "{{ this.database }}"."main"."{{ row[0] }}";
    {%- endfor %}
{%- endmacro %}
