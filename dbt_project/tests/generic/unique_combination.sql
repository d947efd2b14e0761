{#- The primary key of a model: no two rows share these columns, and none is null. -#}
{% test unique_combination(model, columns) %}
select {{ columns | join(', ') }}, count(*) as rows_with_key
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% for column in columns %}
union all
select {% for c in columns %}{% if c == column %}null{% else %}{{ c }}{% endif %}{% if not loop.last %}, {% endif %}{% endfor %}, 1
from {{ model }} where {{ column }} is null
{% endfor %}
{% endtest %}
