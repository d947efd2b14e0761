"""dbt tests in a windowed run check the rows of that window (macros/test_window.sql);
a run without a window checks every row."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.dbt_project.conftest import DEMO_FIRST, DEMO_LAST, TransformStore

DAY = DEMO_LAST  # the run's window
OTHER_DAY = DEMO_FIRST  # far outside it, and outside every lookback


@pytest.fixture(scope="module")
def broken(demo_store: TransformStore, tmp_path_factory: pytest.TempPathFactory
           ) -> TransformStore:
    """A copy of the demo store where one trend row of OTHER_DAY appears twice."""
    store = demo_store.copy(tmp_path_factory.mktemp("windowed-tests"))
    import duckdb

    with duckdb.connect(str(store.path)) as con:
        con.execute("INSERT INTO marts.fct_event_trends_daily SELECT * FROM "
                    "marts.fct_event_trends_daily WHERE event_date = ? LIMIT 1",
                    [OTHER_DAY]).fetchall()
    return store


def _test_trends(store: TransformStore, window: tuple[date, date] | None,
                 window_as: str = "env") -> None:
    dates = {"min_date": window[0], "max_date": window[1]} if window else {}
    store.dbt("test", "--select", "fct_event_trends_daily", **dates, window_as=window_as)


def test_a_windowed_run_tests_only_its_window(broken: TransformStore) -> None:
    _test_trends(broken, (DAY, DAY + timedelta(days=1)))  # the duplicate is outside
    _test_trends(broken, (DAY, DAY + timedelta(days=1)), window_as="vars")


def test_a_window_holding_the_bad_row_fails(broken: TransformStore) -> None:
    with pytest.raises(AssertionError, match="unique_combination_fct_event_trends_daily"):
        _test_trends(broken, (OTHER_DAY, OTHER_DAY + timedelta(days=1)))


def test_a_run_without_a_window_tests_every_row(broken: TransformStore) -> None:
    with pytest.raises(AssertionError, match="unique_combination_fct_event_trends_daily"):
        _test_trends(broken, None)


@pytest.fixture(scope="module")
def first_seen_twice(demo_store: TransformStore, tmp_path_factory: pytest.TempPathFactory
                     ) -> TransformStore:
    """A copy of the demo store where two persons have a second first-seen row: one first
    seen on OTHER_DAY (the copy too), one first seen on DAY whose copy says a day earlier."""
    store = demo_store.copy(tmp_path_factory.mktemp("first-seen-twice"))
    import duckdb

    table = "intermediate.int_persons_first_seen"
    with duckdb.connect(str(store.path)) as con:
        for day, shift in ((OTHER_DAY, 0), (DAY, 1)):
            con.execute(f"INSERT INTO {table} SELECT tenant_id, event, person_id, person_key, "
                        f"first_seen_at - INTERVAL {shift} DAY, first_seen_date - {shift} "
                        f"FROM {table} WHERE first_seen_date = ? LIMIT 1", [day]).fetchall()
    return store


def test_a_keyed_model_is_tested_on_its_windows_keys_against_the_whole_table(
        first_seen_twice: TransformStore) -> None:
    # The run of OTHER_DAY + 1 holds neither person; the run of DAY holds the second,
    # whose other row lies outside the window and still makes the key fail.
    first_seen_twice.dbt("test", "--select", "int_persons_first_seen",
                         min_date=OTHER_DAY + timedelta(days=1),
                         max_date=OTHER_DAY + timedelta(days=2))
    with pytest.raises(AssertionError, match="unique_combination_int_persons_first_seen"):
        first_seen_twice.dbt("test", "--select", "int_persons_first_seen",
                             min_date=DAY, max_date=DAY + timedelta(days=1))
