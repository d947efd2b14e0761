"""What an export shows: the dashboard's widgets as tables, and where the numbers came
from. Every format renders this one document, so their numbers cannot disagree."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from api.dashboards.exports.charts import chart_spec, long_records
from api.dashboards.exports.tables import Table, widget_table


@dataclass(frozen=True)
class WidgetExport:
    """One widget: its table (None when it could not be answered) and its question."""

    id: str
    title: str
    kind: str
    source: str
    params: dict[str, Any]
    table: Table | None
    error: str | None = None
    dataset_versions: dict[str, int] = field(default_factory=dict)

    @property
    def chart(self) -> dict[str, Any] | None:
        """The widget's Vega-Lite spec (None for tables, KPIs and errors)."""
        return None if self.table is None else chart_spec(self.kind, self.title, self.table)

    def pivot(self) -> tuple[list[Any], list[str], list[list[Any]]]:
        """Chart data: x values, series names, and values[series][x] (None where absent)."""
        records = long_records(self.table) if self.table is not None else []
        xs = list(dict.fromkeys(r["x"] for r in records))
        names = list(dict.fromkeys(r["series"] for r in records))
        cells = {(r["series"], r["x"]): r["value"] for r in records}
        return xs, names, [[cells.get((n, x)) for x in xs] for n in names]


@dataclass(frozen=True)
class ExportDocument:
    """A dashboard ready to render, with its provenance."""

    tenant_id: str
    dashboard_id: int
    name: str
    version: int
    widgets: list[WidgetExport]
    dataset_versions: dict[str, int]
    data_as_of: str  # the newest publish time of the datasets shown (UTC, ISO 8601)

    def provenance(self) -> list[tuple[str, str]]:
        """(label, value) lines every format prints."""
        versions = ", ".join(f"{k} v{v}" for k, v in sorted(self.dataset_versions.items()))
        return [("Tenant", self.tenant_id),
                ("Dashboard", f"{self.name} (id {self.dashboard_id}, version {self.version})"),
                ("Data as of", self.data_as_of), ("Dataset versions", versions or "none")]


def build_document(tenant_id: str, dashboard: dict[str, Any], data_as_of: str) -> ExportDocument:
    """The export document of a dashboard data answer (`GET /dashboards/{id}/data`)."""
    widgets, versions = [], {}
    for widget in dashboard["widgets"]:
        error = widget.get("error")
        meta = widget.get("meta", {})
        versions.update(meta.get("dataset_versions", {}))
        widgets.append(WidgetExport(
            widget["id"], widget["title"], widget["kind"], widget["source"],
            widget.get("params", {}),
            None if error else widget_table(widget["source"], widget["data"]),
            error["detail"] if error else None, meta.get("dataset_versions", {})))
    return ExportDocument(tenant_id, dashboard["id"], dashboard["name"], dashboard["version"],
                          widgets, dict(sorted(versions.items())), data_as_of)


def params_text(widget: WidgetExport) -> str:
    """A widget's parameters as canonical JSON (provenance)."""
    return json.dumps(widget.params, sort_keys=True, separators=(",", ":"))


def format_number(value: Any) -> str:
    """How numbers are printed in PDF and slide tables: integers whole, others to 4
    decimals (trailing zeros dropped); empty for null."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.4f}".rstrip("0").rstrip(".")
