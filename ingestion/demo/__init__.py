"""Deterministic demo data: social mentions, product events and connector records.

`generate_day` returns one UTC day for some demo tenants as a SourceBatch;
`iter_event_batches` streams a large tenant-day of events for benchmarks. Same
(config, tenant, day) in, byte-identical Arrow tables out.
"""

from ingestion.demo.config import DemoConfig
from ingestion.demo.generator import generate_day, iter_event_batches

__all__ = ["DemoConfig", "generate_day", "iter_event_batches"]
