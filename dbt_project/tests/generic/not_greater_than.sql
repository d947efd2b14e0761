{#- The column never exceeds another column of the same row (e.g. retained <= cohort_size). -#}
{% test not_greater_than(model, column_name, other_column) %}
select {{ column_name }}, {{ other_column }}
from {{ model }}
where {{ column_name }} > {{ other_column }}
{% endtest %}
