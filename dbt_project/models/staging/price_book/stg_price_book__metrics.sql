with

source as (select * from {{ source('price_book', 'metrics') }}),

renamed as (
    select
        metric_id,
        lower(aggregation) as aggregation,
        property
    from source
)

select * from renamed
