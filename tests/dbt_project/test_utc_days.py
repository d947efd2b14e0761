"""Days are UTC days whatever the machine's time zone (DESIGN §4).

DuckDB casts TIMESTAMPTZ to DATE, and compares dates with timestamps, in the session
time zone, which defaults to the machine's. The dbt profile and the transform store pin
it to UTC; this runs both in a child process whose TZ is New York (UTC-5 in February).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

_CHILD = """
import json, sys
from datetime import date
from pathlib import Path
import pyarrow as pa
from tests.dbt_project.conftest import event_row, hand_store, run_dbt
from warehouse.settings import load_settings
from warehouse.transform_store import open_transform_store, replace_window

folder = Path(sys.argv[1])
# 02:00 UTC on 02-03 is 21:00 on 02-02 in New York.
store = hand_store(folder, [event_row("t1", "p1", "visit", "2026-02-03T02:00:00", "e1"),
                            event_row("t1", "p2", "visit", "2026-02-04T12:00:00", "e2")])
run_dbt(store, "build", "--select", "+int_person_days_active")
days = store.query("SELECT activity_date::VARCHAR, person_id FROM "
                   "intermediate.int_person_days_active ORDER BY ALL")
settings = load_settings({"SIGHTLINE_HOME": str(folder),
                          "SIGHTLINE_DUCKDB_PATH": str(store.path)})
with open_transform_store(settings) as con:
    raw = con.sql("SELECT * FROM raw.raw_events LIMIT 0").to_arrow_table()
    # Replacing the UTC day 02-03 with nothing removes e1 and keeps e2.
    replace_window(con, "raw_events", "timestamp", date(2026, 2, 3), date(2026, 2, 4),
                   iter([raw]))
    left = [r[0] for r in con.sql("SELECT event_id FROM raw.raw_events").fetchall()]
print(json.dumps({"days": days, "left": left}))
"""


def test_days_are_utc_days_on_a_machine_in_another_time_zone(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "TZ": "America/New_York", "PYTHONPATH": str(root)}
    done = subprocess.run([sys.executable, "-c", _CHILD, str(tmp_path)], env=env, cwd=root,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["days"] == [["2026-02-03", "p1"], ["2026-02-04", "p2"]]
    assert result["left"] == ["e2"]
