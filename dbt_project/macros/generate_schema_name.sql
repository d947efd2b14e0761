{#- Use the custom schema as is (staging, intermediate, marts) instead of dbt's
    `<target>_<custom>` default: one DuckDB file per environment already separates them. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ (custom_schema_name or target.schema) | trim }}
{%- endmacro %}
