-- Package installs by tenants (POST /v1/installs): the marketplace's adoption events.
with

source as (select * from {{ source('operational', 'installs') }}),

renamed as (
    select
        cast(install_id as bigint) as install_id,
        tenant_id,
        package_id,
        version as package_version,
        cast(installed_at as timestamp) as installed_at,
        cast(installed_at as date) as installed_on_date
    from source
)

select * from renamed
