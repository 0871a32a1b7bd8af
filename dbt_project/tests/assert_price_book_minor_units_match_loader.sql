{{ config(severity='warn') }}
-- The loader and dbt should agree on the currency's minor units; rating follows dbt's macro.
select
    currency,
    minor_units,
    loaded_minor_units
from {{ ref('stg_price_book__settings') }}
where loaded_minor_units is not null and loaded_minor_units <> minor_units
