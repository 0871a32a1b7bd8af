with

source as (select * from {{ source('operational', 'invoice_lines') }}),

renamed as (
    select
        {{ dbt.concat(['invoice_number', "'/'", 'cast(line_number as ' ~ dbt.type_string() ~ ')']) }}
            as invoice_line_id,
        invoice_number,
        cast(line_number as integer) as line_number,
        tenant_id,
        kind,
        -- The month the line rates; earlier than the invoice's own month on adjustment lines.
        period as rated_period,
        price_id,
        plan_id,
        metric_id,
        package_id,
        publisher_id,
        cast(quantity as decimal(38, 9)) as quantity,
        cast(amount as decimal(38, 6)) as line_amount,
        cast(partner_payout_amount as decimal(38, 6)) as partner_payout_amount,
        cast(platform_fee_amount as decimal(38, 6)) as platform_fee_amount
    from source
)

select * from renamed
