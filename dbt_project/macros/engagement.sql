{#- Platform engagement (DESIGN §7): X likes + 3·reposts + 2·replies; LinkedIn
    reactions + 2·comments + 3·shares; Reddit score + 2·comments. Raw columns map
    reactions/score to likes, comments to replies and shares to reposts. -#}
{% macro engagement(platform, likes, reposts, replies) -%}
    case {{ platform }}
        when 'x' then {{ likes }} + 3 * {{ reposts }} + 2 * {{ replies }}
        when 'linkedin' then {{ likes }} + 2 * {{ replies }} + 3 * {{ reposts }}
        when 'reddit' then {{ likes }} + 2 * {{ replies }}
        else {{ likes }} + {{ reposts }} + {{ replies }}
    end
{%- endmacro %}
