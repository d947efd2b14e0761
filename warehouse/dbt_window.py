"""The partition window handed to dbt through the environment.

dbt's models read the window in `dbt_project/macros/partition_window.sql`: `--vars` when
given, else these environment variables, else all history. The environment is read only
while dbt executes, so every daily run keeps dbt's partial parse; new `--vars` make dbt
parse the whole project again (about 2 s of a 13 s one-day build on the bench data).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date

WINDOW_VARIABLES = {
    "min_date": "SIGHTLINE_WINDOW_MIN_DATE",  # first day of the window
    "max_date": "SIGHTLINE_WINDOW_MAX_DATE",  # the day after its last day (half-open)
}


def window_environment(min_date: date, max_date: date) -> dict[str, str]:
    """The environment variables of the half-open window [min_date, max_date)."""
    return {WINDOW_VARIABLES["min_date"]: min_date.isoformat(),
            WINDOW_VARIABLES["max_date"]: max_date.isoformat()}


@contextmanager
def environment(values: Mapping[str, str]) -> Iterator[None]:
    """Set `values` in os.environ for the block (a dbt process started inside it, or dbt
    run in-process, sees them), then restore what was there before."""
    previous = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
