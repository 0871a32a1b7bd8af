{#- Price-book versions (issue 15, DESIGN 3.2): every raw.price_book_* row carries its version's
    effective_from (the first day of the first month it rates; NULL for the file price book, in force from
    the beginning). A version rates months from its effective_from until the next version's.

    price_book_version_bounds(): the select of every version's (effective_from_date, effective_until_date),
    effective_until_date NULL for the latest; staging models join their rows to it.
    price_book_in_force(relation, period_start_date): true when the version of `relation`'s row rates the
    month starting on `period_start_date`. Rows without bounds (NULL, NULL: a single book, or unit-test
    fixtures that do not name versions) are in force in every month. Portable SQL, no dispatch needed. -#}
{% macro price_book_version_bounds() -%}
    select
        effective_from_date,
        lead(effective_from_date) over (order by effective_from_date asc nulls first) as effective_until_date
    from (
        select distinct cast(effective_from as date) as effective_from_date
        from {{ source('price_book', 'settings') }}
    ) as versions
{%- endmacro %}

{% macro price_book_in_force(relation, period_start_date) -%}
    (
        ({{ relation }}.effective_from_date is null or {{ relation }}.effective_from_date <= {{ period_start_date }})
        and ({{ relation }}.effective_until_date is null or {{ period_start_date }} < {{ relation }}.effective_until_date)
    )
{%- endmacro %}
