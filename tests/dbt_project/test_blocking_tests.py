"""A failing dbt test blocks everything downstream of it (the checks are blocking)."""

from __future__ import annotations

import pytest

from tests.dbt_project.conftest import event_row, hand_store


def test_duplicate_event_ids_fail_the_build_and_no_mart_is_built(tmp_path) -> None:
    e = event_row
    events = [e("t1", "p1", "visit", "2026-02-03T10:00:00", "dup"),
              e("t1", "p2", "visit", "2026-02-03T11:00:00", "dup"),  # same id: bad batch
              e("t1", "p3", "visit", "2026-02-03T12:00:00", "ok")]
    store = hand_store(tmp_path, events)
    with pytest.raises(AssertionError, match="unique_combination_stg_product__events"):
        store.dbt("build", "--select", "+fct_event_trends_daily")
    built = store.query("SELECT table_name FROM information_schema.tables "
                        "WHERE table_schema = 'marts'")
    assert built == []  # the mart was skipped, so publish has nothing new to read
