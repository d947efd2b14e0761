"""Great Expectations 1.x suites for raw batches, one per raw table.

`validate_raw_batch` runs a table's suite over the rows a source wrote for a window of
days and returns a plain summary the Dagster checks turn into check results.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from typing import TYPE_CHECKING

import pandas as pd
from clickhouse_connect.driver.client import Client

from warehouse.raw_schemas import RAW_TABLES

if TYPE_CHECKING:
    import great_expectations as gx

PLATFORMS = ["x", "reddit", "linkedin"]

# The rows of a partition are unique on these columns (with the day).
KEYS = {
    "raw_events": ["tenant_id", "day", "event_id"],
    "raw_social_mentions": ["tenant_id", "day", "platform", "post_id"],
    "raw_connector_records": ["tenant_id", "day", "connector", "record_type", "record_id"],
}
_CHECKED_COLUMNS = {
    "raw_events": ["event", "person_id", "revenue"],
    "raw_social_mentions": ["author_id", "text", "likes", "reposts", "replies"],
    "raw_connector_records": ["amount", "currency", "payload"],
}


def _suite(table: str) -> gx.ExpectationSuite:
    # GX takes 2.6 s to import: only a run with rows to validate pays it, not every
    # process that loads the code location (the UI, sensors, the CLI).
    import great_expectations as gx
    from great_expectations import expectations as gxe

    suite = gx.ExpectationSuite(name=f"{table}_batch")
    for column in KEYS[table]:
        suite.add_expectation(gxe.ExpectColumnValuesToNotBeNull(column=column))
    suite.add_expectation(gxe.ExpectCompoundColumnsToBeUnique(column_list=KEYS[table]))
    if table == "raw_events":
        suite.add_expectation(gxe.ExpectColumnValuesToNotBeNull(column="person_id"))
        suite.add_expectation(gxe.ExpectColumnValueLengthsToBeBetween(column="event", min_value=1))
        suite.add_expectation(
            gxe.ExpectColumnValuesToBeBetween(column="revenue", min_value=0, max_value=10_000_000))
    elif table == "raw_social_mentions":
        suite.add_expectation(
            gxe.ExpectColumnValuesToBeInSet(column="platform", value_set=PLATFORMS))
        suite.add_expectation(gxe.ExpectColumnValueLengthsToBeBetween(column="text", min_value=1))
        for column in ("likes", "reposts", "replies"):
            suite.add_expectation(
                gxe.ExpectColumnValuesToBeBetween(column=column, min_value=0, max_value=10**10))
    else:
        suite.add_expectation(
            gxe.ExpectColumnValuesToBeBetween(column="amount", min_value=0, max_value=10**9))
        suite.add_expectation(
            gxe.ExpectColumnValueLengthsToBeBetween(column="payload", min_value=2))
    return suite


@cache
def _batch_definition():
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    # Metric progress bars would flood the CLI's and Dagster's logs.
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_pandas("raw")
    return source.add_dataframe_asset("raw_batch").add_batch_definition_whole_dataframe("all")


@dataclass(frozen=True)
class SuiteOutcome:
    """A suite's verdict over one source's window of one table."""

    table: str
    rows: int
    rows_per_day: dict[str, int]
    failures: list[str]

    @property
    def success(self) -> bool:
        """True when every expectation held."""
        return not self.failures


def read_batch(client: Client, table: str, source: str, days: list[date]) -> pd.DataFrame:
    """The checked columns of `table` that `source` wrote on `days`."""
    _, time_column = RAW_TABLES[table]
    columns = [c for c in KEYS[table] if c != "day"] + _CHECKED_COLUMNS[table]
    return client.query_df(
        f"SELECT {', '.join(columns)}, toDate({time_column}) AS day FROM {table} "
        f"WHERE source = {{s:String}} AND {time_column} >= {{lo:DateTime64(3, 'UTC')}} "
        f"AND {time_column} < {{hi:DateTime64(3, 'UTC')}}",
        parameters={"s": source, "lo": min(days), "hi": max(days) + timedelta(days=1)},
    )


def validate_frame(table: str, frame: pd.DataFrame) -> SuiteOutcome:
    """Run `table`'s suite on `frame`; failures name the expectation and offending values."""
    per_day = {str(k): int(v) for k, v in frame.groupby("day").size().items()} if len(frame) else {}
    if frame.empty:
        return SuiteOutcome(table, 0, per_day, [])
    batch = _batch_definition().get_batch(batch_parameters={"dataframe": frame})
    result = batch.validate(_suite(table))
    failures = []
    for item in result.results:
        if not item.success:
            config = item.expectation_config
            sample = item.result.get("partial_unexpected_list", [])[:3]
            failures.append(
                f"{config.type} {config.kwargs.get('column') or config.kwargs.get('column_list')}"
                f": {item.result.get('unexpected_count', '?')} unexpected, e.g. {sample}"
            )
    return SuiteOutcome(table, len(frame), per_day, failures)
