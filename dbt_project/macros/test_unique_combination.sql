{#- Composite primary key test: no two rows share the same values of `columns` (NULLs compare equal,
    as a grain column such as package_id may be NULL). -#}
{% test unique_combination(model, columns) %}

select
    {{ columns | join(', ') }},
    count(*) as row_count
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1

{% endtest %}
