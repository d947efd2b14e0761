"""Prometheus metrics of the API: requests, latencies, cache outcomes, ClickHouse time."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


class ApiMetrics:
    """One registry per app, so tests and several apps in a process don't collide."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("sightline_http_requests_total", "HTTP requests by route",
                                ["method", "route", "status"], registry=self.registry)
        self.latency = Histogram("sightline_http_request_seconds", "Request latency by route",
                                 ["method", "route"], buckets=LATENCY_BUCKETS,
                                 registry=self.registry)
        self.cache = Counter("sightline_cache_events_total",
                             "Response cache outcomes: hit, miss, error (backend failed, "
                             "answered without the cache)", ["event"], registry=self.registry)
        self.clickhouse = Histogram("sightline_clickhouse_query_seconds",
                                    "ClickHouse query time", buckets=LATENCY_BUCKETS,
                                    registry=self.registry)
        self.hot_path = Counter("sightline_hot_path_answers_total",
                                "Cached reads answered before routing (api/hot_path.py)",
                                registry=self.registry)
        self.rate_limited = Counter("sightline_rate_limited_total", "Requests answered 429",
                                    registry=self.registry)

    def observe_query(self, seconds: float) -> None:
        """Record one ClickHouse query's duration."""
        self.clickhouse.observe(seconds)

    def render(self) -> bytes:
        """The Prometheus text exposition of every metric."""
        return generate_latest(self.registry)
