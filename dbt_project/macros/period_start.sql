{#- Start of the retention period containing a date: the day itself, or its Monday. -#}
{% macro period_start(period, column) -%}
    {%- if period == 'week' -%} cast(date_trunc('week', {{ column }}) as date)
    {%- elif period == 'day' -%} {{ column }}
    {%- else -%} {{ exceptions.raise_compiler_error("retention period must be day or week, got " ~ period) }}
    {%- endif -%}
{%- endmacro %}

{#- Days spanned by n periods. -#}
{% macro period_days(period, n) -%}
    {{ n * (7 if period == 'week' else 1) }}
{%- endmacro %}
