{#- The partition window, half-open [min_date, max_date), shared by every partitioned
    model so the rows a model selects and the rows it replaces agree. -#}

{#- One bound of the window (an ISO date), from the first of:
    1. `--vars '{"min_date": ..., "max_date": ...}'`;
    2. the environment variables SIGHTLINE_WINDOW_MIN_DATE / SIGHTLINE_WINDOW_MAX_DATE, as
       Dagster passes the run's window. They are read only while executing: new vars make
       dbt parse the whole project again (about 3 s here), a new environment value does not;
    3. all history (1970-01-01 .. 9999-12-31). -#}
{% macro window_date(name) -%}
    {%- set all_history = {'min_date': '1970-01-01', 'max_date': '9999-12-31'} -%}
    {%- if not execute -%}
        {{ return(all_history[name]) }}
    {%- endif -%}
    {%- set given = var(name, none) -%}
    {%- if given is none -%}
        {%- set given = env_var('SIGHTLINE_WINDOW_' ~ (name | upper), all_history[name]) -%}
    {%- endif -%}
    {{ return(given) }}
{%- endmacro %}

{#- Bounds moved by whole days; negative values move them the other way. -#}
{% macro window_start(lookback_days=0) -%}
    (date '{{ window_date("min_date") }}' - interval '{{ lookback_days }} day')
{%- endmacro %}

{% macro window_end(lookahead_days=0) -%}
    (date '{{ window_date("max_date") }}' + interval '{{ lookahead_days }} day')
{%- endmacro %}

{#- On a date column: its days in the window. On a TIMESTAMPTZ column: its instants from
    the first day's UTC midnight (the profile runs sessions in UTC); cheaper than casting
    each timestamp to a date, and DuckDB can skip row groups outside the range. -#}
{% macro in_window(column, lookback_days=0, lookahead_days=0) -%}
    ({{ column }} >= {{ window_start(lookback_days) }}
     and {{ column }} < {{ window_end(lookahead_days) }})
{%- endmacro %}

{#- The window's days and the same days `days` earlier, nothing in between (a
    week-over-week model reads 2 days per day, not 8). The outer range lets DuckDB skip the
    rest of the table. -#}
{% macro in_window_and_days_before(column, days) -%}
    ({{ in_window(column, days) }}
     and ({{ in_window(column) }} or {{ in_window(column, days, -days) }}))
{%- endmacro %}

{#- The window a model rewrites: its window column over the run's window plus the
    model's own lookback (late rows, conversion windows, rolling baselines). -#}
{% macro in_model_window(column=none) -%}
    {{ in_window(column or config.require('window_column'),
                 config.get('window_lookback_days', 0)) }}
{%- endmacro %}
