{#- The Dagster partition window, half-open [min_date, max_date), shared by every
    partitioned model so the rows a model selects and the rows it replaces agree. -#}

{% macro window_start(lookback_days=0) -%}
    (date '{{ var("min_date") }}' - interval {{ lookback_days }} day)
{%- endmacro %}

{% macro window_end(lookahead_days=0) -%}
    (date '{{ var("max_date") }}' + interval {{ lookahead_days }} day)
{%- endmacro %}

{% macro in_window(column, lookback_days=0, lookahead_days=0) -%}
    ({{ column }} >= {{ window_start(lookback_days) }}
     and {{ column }} < {{ window_end(lookahead_days) }})
{%- endmacro %}

{#- The window a model rewrites: its window column over the run's window plus the
    model's own lookback (late rows, conversion windows, rolling baselines). -#}
{% macro in_model_window(column=none) -%}
    {{ in_window(column or config.require('window_column'),
                 config.get('window_lookback_days', 0)) }}
{%- endmacro %}
