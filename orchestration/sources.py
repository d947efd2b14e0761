"""The one registry of raw sources: every ingestion asset's key, the `source` value it
writes, the raw tables it writes and whether every day should have rows.

Assets, checks, jobs, sensors and the CLI iterate this list (as in Dagster's own data
platform) instead of rebuilding `["raw", …]` keys by string.
"""

from __future__ import annotations

from dataclasses import dataclass

import dagster as dg

from ingestion.connectors.registry import CONNECTORS
from ingestion.landing.contracts import CONTRACTS
from warehouse.raw_schemas import RAW_TABLES


@dataclass(frozen=True)
class RawSource:
    """One ingestion asset: `raw/<name>`."""

    name: str  # the asset key's last part: demo, x_api, landing_revenue, ...
    source: str  # the `source` column value its rows carry
    tables: tuple[str, ...]  # raw tables it writes
    always_on: bool  # every day should have rows (the volume check warns otherwise)
    landing_connector: str | None = None  # for landing sources: the connector folder

    @property
    def key(self) -> dg.AssetKey:
        """The asset key, `raw/<name>`."""
        return dg.AssetKey(["raw", self.name])


DEMO = RawSource("demo", "demo", tuple(t for t in RAW_TABLES if t != "quarantine"),
                 always_on=True)
CONNECTOR_SOURCES = tuple(RawSource(c.source, c.source, (c.target_table,), always_on=False)
                          for c in CONNECTORS)
LANDING_SOURCES = tuple(RawSource(f"landing_{c.connector}", c.source, (c.target_table,),
                                  always_on=False, landing_connector=c.connector)
                        for c in CONTRACTS.values())
RAW_SOURCES: tuple[RawSource, ...] = (DEMO, *CONNECTOR_SOURCES, *LANDING_SOURCES)


def landing_source(connector: str) -> RawSource:
    """The landing source of a landing connector (e.g. 'revenue')."""
    return next(s for s in LANDING_SOURCES if s.landing_connector == connector)


def writers_of(table: str) -> list[dg.AssetKey]:
    """Keys of the ingestion assets that write `table`."""
    return [s.key for s in RAW_SOURCES if table in s.tables]
