"""The data sources a custom metric may read, each with its table, time column and the
allow-list of columns a formula may name (column → numeric?)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MetricSource:
    """One table a formula may aggregate."""

    name: str
    table: str
    time_column: str
    columns: dict[str, bool]  # allow-listed column → numeric (SUM/AVG/MIN/MAX allowed)
    property_filters: bool  # the events' property filters apply (api.analytics.filters)

    @property
    def datasets(self) -> tuple[str, ...]:
        """What answers depend on (their cache keys carry its version)."""
        return (self.table,)


METRIC_SOURCES: dict[str, MetricSource] = {
    "events": MetricSource(
        "events", "raw_events", "timestamp",
        {"revenue": True, "person_id": False, "event_id": False, "session_id": False,
         "event": False, "url": False, "referrer": False, "utm_source": False,
         "country": False, "device": False},
        property_filters=True),
    "mentions": MetricSource(
        "mentions", "raw_social_mentions", "created_at",
        {"likes": True, "reposts": True, "replies": True, "impressions": True,
         "author_followers": True, "post_id": False, "author_id": False,
         "platform": False},
        property_filters=False),
}
