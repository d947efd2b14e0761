{%- set w = var('influencer_score_weights') -%}
{%- set window_days = var('influencer_window_days') | int -%}
{{ config(
    window_column='as_of_date',
) }}
-- Top authors per tenant over the trailing {{ window_days }} days ending as_of_date
-- (DESIGN §7). An influencer has at least one original post in the window; reposts they
-- made are counted but earn no engagement credit (the engagement belongs to the original).
--
-- score (0-100) = 100 * (w.followers * ln(1 + followers)      / max over the tenant and day
--                      + w.engagement * ln(1 + total_engagement) / max ...
--                      + w.posts * ln(1 + posts)                 / max ...)
--                 + w.verified if verified, clamped to [0, 100], rounded to 1 decimal;
-- w = var('influencer_score_weights') (0.40, 0.35, 0.15, 10).
-- Logs keep one viral post or one celebrity account from flattening everybody else;
-- normalising by the day's maximum makes scores comparable across tenants.
with posts as (
    -- one row per post (the brand rows of a post share its author and counts)
    select
        tenant_id,
        platform,
        post_id,
        any_value(mention_date) as mention_date,
        any_value(created_at) as created_at,
        bool_or(is_repost) as is_repost,
        any_value(author_id) as author_id,
        any_value(author_handle) as author_handle,
        max(author_followers) as author_followers,
        bool_or(author_verified) as author_verified,
        max(engagement) as engagement
    from {{ ref('int_mentions_unnested_by_brand') }}
    where {{ in_window('mention_date', window_days - 1) }}
    group by tenant_id, platform, post_id
),

as_of_days as (
    select distinct
        tenant_id,
        mention_date as as_of_date
    from posts
    where {{ in_model_window('mention_date') }}
),

authors as (
    select
        as_of_days.tenant_id,
        as_of_days.as_of_date,
        posts.platform,
        posts.author_id,
        -- the handle of the author's latest post (post_id breaks a tie in time)
        max_by(posts.author_handle, (posts.created_at, posts.post_id)) as author_handle,
        count(*) filter (where not posts.is_repost) as posts,
        count(*) filter (where posts.is_repost) as reposts_made,
        coalesce(sum(posts.engagement) filter (where not posts.is_repost), 0)
            as total_engagement,
        max(posts.author_followers) as followers,
        bool_or(posts.author_verified) as verified
    from as_of_days
    inner join posts
        on as_of_days.tenant_id = posts.tenant_id
        and posts.mention_date > as_of_days.as_of_date - {{ window_days }}
        and posts.mention_date <= as_of_days.as_of_date
    group by as_of_days.tenant_id, as_of_days.as_of_date, posts.platform, posts.author_id
    having count(*) filter (where not posts.is_repost) > 0
),

author_brands as (
    -- every brand the author's posts in the window matched (a post's brand rows share its
    -- author); de-duplicated per day first, cheaper than merging per-post brand lists
    select
        as_of_days.tenant_id,
        as_of_days.as_of_date,
        daily.platform,
        daily.author_id,
        list(distinct daily.brand order by daily.brand) as brands_mentioned
    from as_of_days
    inner join (
        select distinct tenant_id, mention_date, platform, author_id, brand
        from {{ ref('int_mentions_unnested_by_brand') }}
        where {{ in_window('mention_date', window_days - 1) }}
    ) as daily
        on as_of_days.tenant_id = daily.tenant_id
        and daily.mention_date > as_of_days.as_of_date - {{ window_days }}
        and daily.mention_date <= as_of_days.as_of_date
    group by as_of_days.tenant_id, as_of_days.as_of_date, daily.platform, daily.author_id
),

scaled as (
    select
        authors.*,
        author_brands.brands_mentioned,
        ln(1 + coalesce(followers, 0)) as followers_log,
        ln(1 + total_engagement) as engagement_log,
        ln(1 + posts) as posts_log
    from authors
    inner join author_brands
        on authors.tenant_id = author_brands.tenant_id
        and authors.as_of_date = author_brands.as_of_date
        and authors.platform = author_brands.platform
        and authors.author_id = author_brands.author_id
),

scored as (
    select
        *,
        round(least(100, greatest(0,
            100 * (
                {{ w.followers }} * coalesce(followers_log / nullif(max(followers_log) over day_scope, 0), 0)
                + {{ w.engagement }} * coalesce(engagement_log / nullif(max(engagement_log) over day_scope, 0), 0)
                + {{ w.posts }} * coalesce(posts_log / nullif(max(posts_log) over day_scope, 0), 0)
            )
            + case when coalesce(verified, false) then {{ w.verified }} else 0 end
        )), 1) as score
    from scaled
    window day_scope as (partition by tenant_id, as_of_date)
),

ranked as (
    select
        *,
        row_number() over (
            partition by tenant_id, as_of_date
            order by score desc, total_engagement desc, followers desc nulls last,
                platform, author_id
        ) as influencer_rank
    from scored
)

select
    tenant_id,
    as_of_date,
    platform,
    author_id,
    author_handle,
    influencer_rank,
    score,
    posts,
    reposts_made,
    cast(total_engagement as bigint) as total_engagement,
    total_engagement / posts as avg_engagement,
    followers,
    coalesce(verified, false) as verified,
    brands_mentioned,
    {{ window_days }} as window_days
from ranked
where influencer_rank <= {{ var('influencer_top_n') | int }}
