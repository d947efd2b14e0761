{#- A person as a 128-bit integer: the MD5 of the person_id string (stable across DuckDB
    versions, unlike hash()). Distinct counts and joins over person_key are about a
    third cheaper than over the strings; two ids sharing a key only becomes likely near
    2^64 (some 10^19) persons. -#}
{% macro person_key(column) -%}
    md5_number({{ column }})
{%- endmacro %}

