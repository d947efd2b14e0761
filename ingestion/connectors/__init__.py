"""SaaS connectors (X, Reddit, LinkedIn, GA4): plain functions returning SourceBatch.

Each module exposes NAME, SOURCE, TARGET_TABLE, `skip_reason(settings)` and
`fetch(settings, brands, day, ...)`; `ingestion.connectors.registry` lists them. HTTP
retries and rate limits live in `ingestion.http_policy`, not here.
"""

from ingestion.connectors._rows import NotConfiguredError

__all__ = ["NotConfiguredError"]
