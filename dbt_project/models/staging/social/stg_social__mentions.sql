-- Social mentions with platform engagement and reach (DESIGN §7): one row per post.
-- Reposts (parent_id set) add reach and engagement but are not extra opinions.
select
    tenant_id,
    platform,
    post_id,
    parent_id,
    parent_id is not null as is_repost,
    author_id,
    author_handle,
    author_followers,
    author_verified,
    text,
    lang,
    url,
    created_at,
    cast(created_at as date) as mention_date,
    likes,
    reposts,
    replies,
    impressions,
    {{ reach() }} as reach,
    {{ engagement('platform', 'likes', 'reposts', 'replies') }} as engagement,
    matched_brands,
    source
from {{ source('social', 'mentions') }}
