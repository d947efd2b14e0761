"""The SaaS connectors, by name: what orchestration lists, skips or runs.

Usage:

    for connector in CONNECTORS:                       # or configured(settings)
        reason = connector.skip_reason(settings)       # None when configured
        if reason is None:
            batch = connector.fetch(settings, brands, day)

`configured(settings)` does the same filtering and logs each skip reason.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from ingestion.brands import Brand
from ingestion.connectors import ga4, linkedin, reddit, x_api
from warehouse.settings import ConnectorSettings
from warehouse.source_batch import SourceBatch

logger = logging.getLogger(__name__)


class FetchFn(Protocol):
    """`fetch(settings, brands, day, *, client_factory=, sleep=, rng=, clock=, now=)`."""

    def __call__(
        self,
        settings: ConnectorSettings,
        brands: tuple[Brand, ...],
        day: date,
        **hooks: Any,
    ) -> SourceBatch: ...


@dataclass(frozen=True)
class Connector:
    """One SaaS connector.

    `name` is the registry key ("x", "reddit", "linkedin", "ga4"); `source` is the value
    of the `source` column it writes (the partition key with tenant and day);
    `target_table` is the raw table its rows go to.
    """

    name: str
    source: str
    target_table: str
    skip_reason: Callable[[ConnectorSettings], str | None]
    fetch: FetchFn


CONNECTORS: tuple[Connector, ...] = tuple(
    Connector(m.NAME, m.SOURCE, m.TARGET_TABLE, m.skip_reason, m.fetch)
    for m in (x_api, reddit, linkedin, ga4)
)


def get_connector(name: str) -> Connector:
    """Return the connector called `name`; raises KeyError listing the known names."""
    for connector in CONNECTORS:
        if connector.name == name:
            return connector
    known = ", ".join(c.name for c in CONNECTORS)
    raise KeyError(f"unknown connector {name!r}; known connectors: {known}")


def skip_reasons(settings: ConnectorSettings) -> dict[str, str]:
    """Return {connector name: why it is skipped} for every unconfigured connector."""
    reasons = {c.name: c.skip_reason(settings) for c in CONNECTORS}
    return {name: reason for name, reason in reasons.items() if reason is not None}


def configured(settings: ConnectorSettings) -> list[Connector]:
    """Return the connectors that can run with `settings`, logging why the others are skipped."""
    ready = []
    for connector in CONNECTORS:
        reason = connector.skip_reason(settings)
        if reason is None:
            ready.append(connector)
        else:
            logger.info("connector %s skipped: %s", connector.name, reason)
    return ready
