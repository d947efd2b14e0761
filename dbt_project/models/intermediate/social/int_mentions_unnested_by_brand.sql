{{ config(
    window_column='mention_date',
) }}
-- One row per (mention, matched brand) with its sentiment: every brand mart counts from
-- here, so a post matching two brands counts once for each (DESIGN §7). A mention the
-- scorer has not reached yet keeps its row with null sentiment (it still adds volume).
with mentions as (
    select *
    from {{ ref('stg_social__mentions') }}
    where {{ in_window('created_at') }}  -- its mention_date days (on the raw timestamp: cheaper)
),

by_brand as (
    select
        mentions.*,
        matched.brand
    from mentions
    cross join unnest(list_distinct(mentions.matched_brands)) as matched(brand)
),

sentiments as (
    select *
    from {{ ref('stg_social__mention_sentiments') }}
    where {{ in_window('created_at') }}  -- the raw timestamp: DuckDB skips other days
)

select
    by_brand.tenant_id,
    by_brand.platform,
    by_brand.post_id,
    by_brand.brand,
    by_brand.mention_date,
    by_brand.created_at,
    by_brand.is_repost,
    by_brand.parent_id,
    by_brand.author_id,
    by_brand.author_handle,
    by_brand.author_followers,
    by_brand.author_verified,
    by_brand.text,
    by_brand.lang,
    by_brand.url,
    by_brand.likes,
    by_brand.reposts,
    by_brand.replies,
    by_brand.reach,
    by_brand.engagement,
    len(list_distinct(by_brand.matched_brands)) as brands_in_post,
    sentiments.compound,
    sentiments.pos,
    sentiments.neu,
    sentiments.neg,
    sentiments.sentiment_label,
    sentiments.model_version as sentiment_model_version
from by_brand
left join sentiments
    on by_brand.tenant_id = sentiments.tenant_id
    and by_brand.platform = sentiments.platform
    and by_brand.post_id = sentiments.post_id
