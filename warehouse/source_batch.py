"""What a source hands to the warehouse: rows per raw table plus quarantined rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pyarrow as pa

from warehouse.raw_schemas import QUARANTINE


@dataclass
class SourceBatch:
    """One source's rows for one UTC day.

    `source` is the value of the `source` column (e.g. "demo", "x_api",
    "landing:revenue"); together with tenant and day it names the partitions the batch
    replaces. `tables` maps a raw table name to rows with that table's schema (rows may
    span tenants). `quarantine` holds rows that failed validation, with reasons.
    """

    source: str
    day: date
    tables: dict[str, pa.Table] = field(default_factory=dict)
    quarantine: pa.Table = field(default_factory=QUARANTINE.empty_table)

    def row_counts(self) -> dict[str, int]:
        """Rows per raw table, plus 'quarantine'."""
        counts = {name: table.num_rows for name, table in self.tables.items()}
        counts["quarantine"] = self.quarantine.num_rows
        return counts
