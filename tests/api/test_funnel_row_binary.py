"""The funnel read's RowBinary reader (api.analytics.funnel_events.uint64_row), against
hand-written bytes and against ClickHouse's own RowBinary output."""

from __future__ import annotations

import numpy as np
import pytest

from api.analytics.funnel_events import uint64_row


def _row(first: int, *arrays: list[int], length_bytes: list[bytes] | None = None) -> bytes:
    data = first.to_bytes(8, "little")
    for index, values in enumerate(arrays):
        data += length_bytes[index] if length_bytes else bytes([len(values)])
        data += b"".join(v.to_bytes(8, "little") for v in values)
    return data


def test_reads_the_count_and_each_array() -> None:
    first, (a, b) = uint64_row(_row(7, [1, 2**64 - 1], []), arrays=2)
    assert first == 7
    assert a.tolist() == [1, 2**64 - 1] and a.dtype == np.uint64
    assert b.tolist() == []


def test_a_length_of_300_takes_two_leb128_bytes() -> None:
    values = list(range(300))
    # 300 = 0b10_0101100: low 7 bits 0x2C with the continuation bit, then 0x02
    first, (a,) = uint64_row(_row(0, values, length_bytes=[b"\xac\x02"]), arrays=1)
    assert first == 0 and a.tolist() == values


@pytest.mark.parametrize(("data", "message"), [
    (b"\x01\x02", "needs 8 bytes"),
    (_row(1, [5])[:-3], "ends inside an array of 1"),
    (_row(1) + b"\x80", "ends inside an array length"),
    (_row(1, [5]) + b"\x00", "past its columns"),
])
def test_a_malformed_row_is_a_clear_error(data: bytes, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        uint64_row(data, arrays=1)


def test_matches_clickhouse_rowbinary(clickhouse) -> None:
    data = clickhouse.raw_query(
        "SELECT toUInt64(42) AS n, range(toUInt64(200)) AS a, "
        "[toUInt64(18446744073709551615)] AS b, CAST([], 'Array(UInt64)') AS c",
        fmt="RowBinary")
    first, (a, b, c) = uint64_row(data, arrays=3)
    assert first == 42 and a.tolist() == list(range(200))
    assert b.tolist() == [2**64 - 1] and c.size == 0
