from __future__ import annotations

from datetime import UTC, date, datetime

import pyarrow as pa
import pytest

from warehouse.dataset_versions import all_versions, bump_version, current_version
from warehouse.partition_writer import PartitionMismatchError, write_partition
from warehouse.raw_schemas import RAW_CONNECTOR_RECORDS

DAY = date(2026, 2, 3)


def _records(tenant: str, ids: list[str], day: date = DAY, source: str = "pw-test") -> pa.Table:
    at = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
    return pa.Table.from_pylist(
        [{"tenant_id": tenant, "connector": "revenue", "record_type": "revenue_line",
          "record_id": i, "occurred_at": at, "amount": 10.0, "currency": "USD",
          "payload": "{}", "source": source, "ingested_at": at} for i in ids],
        schema=RAW_CONNECTOR_RECORDS)


def _ids(client, tenant: str, source: str = "pw-test") -> list[str]:
    return [r[0] for r in client.query(
        "SELECT record_id FROM raw_connector_records WHERE tenant_id = {t:String} "
        "AND source = {s:String} ORDER BY record_id", parameters={"t": tenant, "s": source}
    ).result_rows]


def test_same_day_twice_gives_the_same_rows(clickhouse) -> None:
    for _ in range(2):
        batches = [_records("pw1", ["a", "b"]), _records("pw2", ["c"])]
        write = write_partition(clickhouse, "raw_connector_records", "pw-test", DAY,
                                ["pw1", "pw2"], batches)
        assert write.rows_by_tenant == {"pw1": 2, "pw2": 1}
    assert _ids(clickhouse, "pw1") == ["a", "b"]
    assert _ids(clickhouse, "pw2") == ["c"]


def test_rewrite_replaces_only_its_tenant_source_and_day(clickhouse) -> None:
    other_day = date(2026, 2, 4)
    write_partition(clickhouse, "raw_connector_records", "pw-test", other_day, ["pw3"],
                    [_records("pw3", ["keep-day"], other_day)])
    write_partition(clickhouse, "raw_connector_records", "pw-other", DAY, ["pw3"],
                    [_records("pw3", ["keep-source"], source="pw-other")])
    write_partition(clickhouse, "raw_connector_records", "pw-test", DAY, ["pw3"],
                    [_records("pw3", ["old1", "old2"])])
    write_partition(clickhouse, "raw_connector_records", "pw-test", DAY, ["pw3"],
                    [_records("pw3", ["new"])])
    assert _ids(clickhouse, "pw3") == ["keep-day", "new"]
    assert _ids(clickhouse, "pw3", "pw-other") == ["keep-source"]


def test_tenant_without_rows_has_its_day_dropped(clickhouse) -> None:
    write_partition(clickhouse, "raw_connector_records", "pw-test", DAY, ["pw4"],
                    [_records("pw4", ["x"])])
    write = write_partition(clickhouse, "raw_connector_records", "pw-test", DAY, ["pw4"], [])
    assert write.rows == 0
    assert _ids(clickhouse, "pw4") == []


def test_streamed_batches_land_together(clickhouse) -> None:
    batches = (_records("pw5", [f"{n:03d}" for n in range(k * 10, k * 10 + 10)]) for k in range(5))
    write = write_partition(clickhouse, "raw_connector_records", "pw-test", DAY, ["pw5"], batches)
    assert write.rows == 50
    assert _ids(clickhouse, "pw5") == [f"{n:03d}" for n in range(50)]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (_records("intruder", ["a"]), "undeclared tenants"),
        (_records("pw6", ["a"], date(2026, 2, 4)), "outside 2026-02-03"),
        (_records("pw6", ["a"], source="elsewhere"), "expected 'pw-test'"),
    ],
)
def test_rows_outside_the_partition_are_refused(clickhouse, rows: pa.Table, message: str) -> None:
    with pytest.raises(PartitionMismatchError, match=message):
        write_partition(clickhouse, "raw_connector_records", "pw-test", DAY, ["pw6"], [rows])
    assert _ids(clickhouse, "pw6") == []
    stages = clickhouse.query("SELECT count() FROM system.tables WHERE name LIKE '_stage_%' "
                              "AND database = currentDatabase()").result_rows[0][0]
    assert stages == 0


def test_dataset_versions_count_up_per_tenant(clickhouse) -> None:
    assert current_version(clickhouse, "mart_test", "dv1") == 0
    assert bump_version(clickhouse, "mart_test", "dv1", 10) == 1
    assert bump_version(clickhouse, "mart_test", "dv1", 12) == 2
    assert bump_version(clickhouse, "mart_test", "dv2", 5) == 1
    assert all_versions(clickhouse, "dv1") == {"mart_test": 2}
    assert current_version(clickhouse, "mart_test", "dv2") == 1


def test_reader_sees_the_old_day_until_the_swap(clickhouse) -> None:
    write_partition(clickhouse, "raw_connector_records", "pw-test", DAY, ["pw7"],
                    [_records("pw7", ["old-1", "old-2"])])
    seen_mid_write: list[list[str]] = []

    def batches():
        for k in range(3):
            yield _records("pw7", [f"new-{k}"])
            # Between batches the new rows sit in the staging table only.
            seen_mid_write.append(_ids(clickhouse, "pw7"))

    write_partition(clickhouse, "raw_connector_records", "pw-test", DAY, ["pw7"], batches())
    assert seen_mid_write == [["old-1", "old-2"]] * 3
    assert _ids(clickhouse, "pw7") == ["new-0", "new-1", "new-2"]
