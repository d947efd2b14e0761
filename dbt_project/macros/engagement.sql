{#- Platform engagement (DESIGN §7) from var('engagement_weights'): per platform, a weight
    for likes, reposts and replies (`default` for any other platform). The API renders
    the same weights for ClickHouse (warehouse/dbt_vars.engagement_sql). -#}
{% macro engagement(platform, likes, reposts, replies) -%}
    {%- set weights = var('engagement_weights') -%}
    {%- set columns = {'likes': likes, 'reposts': reposts, 'replies': replies} -%}
    case {{ platform }}
    {%- for name, w in weights.items() if name != 'default' %}
        when '{{ name }}' then {{ w.likes }} * {{ likes }} + {{ w.reposts }} * {{ reposts }} + {{ w.replies }} * {{ replies }}
    {%- endfor %}
        else {{ weights.default.likes }} * {{ likes }} + {{ weights.default.reposts }} * {{ reposts }} + {{ weights.default.replies }} * {{ replies }}
    end
{%- endmacro %}
