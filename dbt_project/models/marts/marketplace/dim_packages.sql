with

packages as (select * from {{ ref('stg_operational__packages') }}),
publishers as (select * from {{ ref('stg_operational__publishers') }}),
package_versions as (select * from {{ ref('stg_operational__package_versions') }}),

versions_ranked as (
    -- The latest version a tenant can run: the most recently published approved one.
    select
        package_id,
        version,
        row_number() over (partition by package_id order by published_at desc, version desc) as recency_rank
    from package_versions
    where status in ('approved', 'published')
),

final as (
    select
        packages.package_id,
        packages.package_name as name,
        packages.publisher_id,
        publishers.publisher_name,
        packages.category,
        versions_ranked.version as latest_version
    from packages
    left join publishers on packages.publisher_id = publishers.publisher_id
    left join versions_ranked
        on packages.package_id = versions_ranked.package_id and versions_ranked.recency_rank = 1
)

select * from final
