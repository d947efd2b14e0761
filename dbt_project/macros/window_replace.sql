{#- Incremental strategy `window_replace`: delete the model's window (window_column in
    [min_date - window_lookback_days, max_date)) and insert the rebuilt rows, in one
    transaction. Unlike delete+insert on a unique key, rows that no longer exist in the
    window (a breakdown value that vanished) are removed too, so re-running a window
    always yields the same table. -#}
{% macro get_incremental_window_replace_sql(arg_dict) -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ arg_dict['target_relation'] }}
    where {{ in_model_window() }};
    insert into {{ arg_dict['target_relation'] }} ({{ columns }})
    select {{ columns }} from {{ arg_dict['temp_relation'] }}
{%- endmacro %}
