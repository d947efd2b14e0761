-- Sentiment scores per mention, keyed like the mention they score.
select
    tenant_id,
    platform,
    post_id,
    created_at,
    compound,
    pos,
    neu,
    neg,
    label as sentiment_label,
    model_version
from {{ source('social', 'mention_sentiments') }}
