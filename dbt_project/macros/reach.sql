{#- Reach (DESIGN §7) from var('reach_columns'): the first of those columns that is positive,
    else the last. The API renders the same rule for ClickHouse
    (warehouse/dbt_vars.reach_sql). -#}
{% macro reach(prefix='') -%}
    {%- set columns = var('reach_columns') -%}
    case
    {%- for column in columns[:-1] %} when {{ prefix }}{{ column }} > 0 then {{ prefix }}{{ column }}{% endfor %}
    else {{ prefix }}{{ columns[-1] }} end
{%- endmacro %}
