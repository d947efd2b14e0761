"""Every widget's answer as one table: the shape exports write (sheets, CSV, slide and PDF
tables) and charts draw. One function per source turns that source's answer (the JSON
its route serves) into named, typed columns and rows; the numbers are the answer's own,
untouched."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

ColumnType = Literal["text", "number", "date"]


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType


@dataclass(frozen=True)
class Table:
    """Rows of values under typed columns; the first column labels the rows."""

    columns: list[Column]
    rows: list[list[Any]]

    @property
    def numeric(self) -> list[int]:
        """Indexes of the number columns."""
        return [i for i, c in enumerate(self.columns) if c.type == "number"]

    def select(self, *names: str) -> Table:
        """The table of these columns only, in this order (KeyError for an unknown one)."""
        index = {c.name: i for i, c in enumerate(self.columns)}
        picked = [index[name] for name in names]
        return Table([self.columns[i] for i in picked],
                     [[row[i] for i in picked] for row in self.rows])


def _pick(items: list[dict], spec: list[tuple[str, ColumnType]]) -> Table:
    return Table([Column(name, kind) for name, kind in spec],
                 [[item.get(name) for name, _ in spec] for item in items])


def _trends(data: dict) -> Table:
    results = [*data["results"], *(data.get("formula_results") or [])]
    if not results:
        return Table([Column("date", "date")], [])
    dates = results[0]["dates"]
    columns = [Column("date", "date"), *(Column(r["label"], "number") for r in results)]
    rows = [[day, *(r["data"][i] for r in results)] for i, day in enumerate(dates)]
    return Table(columns, rows)


def _funnel_steps(groups: list[tuple[str, list[dict]]], label: str) -> Table:
    # step first: charts put steps along the axis, one series per group
    columns = [Column("step", "text"), Column(label, "text"), Column("persons", "number"),
               Column("conversion_from_first", "number"),
               Column("conversion_from_previous", "number"),
               Column("median_seconds_from_previous", "number")]
    rows = [[f"{s['step'] + 1}. {s['event']}", group, s["persons"], s["conversion_from_first"],
             s["conversion_from_previous"], s["median_seconds_from_previous"]]
            for group, steps in groups for s in steps]
    return Table(columns, rows)


def _funnels(data: dict) -> Table:
    return _funnel_steps([(g["breakdown_value"] or "all", g["steps"]) for g in data["results"]],
                         "group")


def _funnel_mart(data: dict) -> Table:
    return _funnel_steps([(d["entry_date"], d["steps"]) for d in data["days"]], "entry_date")


def _retention(data: dict) -> Table:
    periods = max((len(c["rates"]) for c in data["cohorts"]), default=0)
    columns = [Column("cohort_start", "date"), Column("cohort_size", "number"),
               *(Column(f"{data['period']} {i}", "number") for i in range(periods))]
    rows = [[c["cohort_start"], c["cohort_size"],
             *(c["rates"][i] if i < len(c["rates"]) else None for i in range(periods))]
            for c in data["cohorts"]]
    return Table(columns, rows)


def _cohorts(data: dict) -> Table:
    return _pick(data["cohorts"], [
        ("cohort_start", "date"), ("retention_id", "text"), ("period", "text"),
        ("cohort_size", "number"), ("observed_periods", "number"),
        ("retention_rate", "number"), ("retention_rate_cumulative", "number")])


def _metric(data: dict) -> Table:
    return Table([Column("bucket", "date"), Column("value", "number")],
                 [[p["bucket"], p["value"]] for p in data["series"]])


def _rows_of(key: str | None, spec: list[tuple[str, ColumnType]]) -> Callable[[Any], Table]:
    def tabulate(data: Any) -> Table:
        return _pick(data[key] if key else data, spec)
    return tabulate


TABULATORS: dict[str, Callable[[Any], Table]] = {
    "trends": _trends,
    "funnels": _funnels,
    "retention": _retention,
    "funnel_mart": _funnel_mart,
    "cohorts": _cohorts,
    "metric": _metric,
    "mentions": _rows_of("items", [
        ("created_at", "date"), ("platform", "text"), ("author_handle", "text"),
        ("text", "text"), ("likes", "number"), ("reach", "number"),
        ("engagement", "number"), ("label", "text")]),
    "sentiment": _rows_of(None, [
        # net sentiment first: a sentiment chart draws its first number
        ("mention_date", "date"), ("brand", "text"), ("net_sentiment", "number"),
        ("avg_compound", "number"), ("mentions", "number"), ("positive", "number"),
        ("neutral", "number"), ("negative", "number")]),
    "share_of_voice": _rows_of("total", [("brand", "text"), ("value", "number"),
                                         ("share", "number")]),
    "influencers": _rows_of("influencers", [
        ("influencer_rank", "number"), ("author_handle", "text"), ("platform", "text"),
        ("score", "number"), ("total_engagement", "number"), ("followers", "number")]),
    "pulse_insights": _rows_of("items", [
        ("pulse_date", "date"), ("severity", "text"), ("metric", "text"), ("text", "text"),
        ("value", "number"), ("previous_value", "number"), ("change", "number")]),
    "wargame_results": _rows_of(None, [
        ("scenario", "text"), ("action_type", "text"), ("probability_of_loss", "number"),
        ("profit_change_p10", "number"), ("profit_change_p50", "number"),
        ("profit_change_p90", "number"), ("risk_level", "text"),
        ("recommended_counter_move", "text")]),
}


def widget_table(source: str, data: Any) -> Table:
    """The table of one widget's answer."""
    return TABULATORS[source](data)
