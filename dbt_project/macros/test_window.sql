{#- In a windowed run, the tests of a partitioned model check the rows the run rewrote:
    its `window_column` over the run's window plus the model's lookback (the same rows
    `window_replace` deletes and inserts). Rows outside were checked by the run that wrote
    them, and a build without a window (all history) still checks every row. A test
    opts out with `config: {window_scoped: false}`; a test's own `where` config still
    applies. Models without `window_column` are always tested whole.

    A model keyed by `unique_key` rather than by day (int_persons_first_seen rewrites
    persons, with window_column first_seen_date) is tested on every row whose key is among
    the window's rows: a key the run added is checked against the whole table.

    This overrides dbt's `get_where_subquery`, which wraps the tested relation for every
    generic test. -#}
{% macro default__get_where_subquery(relation) -%}
    {%- set conditions = [] -%}
    {%- if config.get('where') -%}
        {%- do conditions.append('(' ~ config.get('where') ~ ')') -%}
    {%- endif -%}
    {%- set tested = graph.nodes.get(model.get('attached_node')) if execute else none -%}
    {%- if tested and tested.config.get('window_column') and config.get('window_scoped', true) -%}
        {%- set in_run_window = in_window(tested.config.window_column,
                                          tested.config.get('window_lookback_days', 0)) -%}
        {%- set key = tested.config.get('unique_key') -%}
        {%- if key -%}
            {%- set key = [key] if key is string else key -%}
            {%- do conditions.append('(' ~ key | join(', ') ~ ') in (select ' ~ key | join(', ')
                                     ~ ' from ' ~ relation ~ ' where ' ~ in_run_window ~ ')') -%}
        {%- else -%}
            {%- do conditions.append(in_run_window) -%}
        {%- endif -%}
    {%- endif -%}
    {%- if conditions -%}
        {%- do return('(select * from ' ~ relation ~ ' where '
                      ~ conditions | join(' and ') ~ ') dbt_subquery') -%}
    {%- endif -%}
    {%- do return(relation) -%}
{%- endmacro %}
