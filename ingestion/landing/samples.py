"""Small landing files the demo drops, so quarantine and file intake show up in the demo.

Contents are fixed per (tenant, day): dropping them again re-stages the same rows.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path


def write_sample_files(landing_dir: Path, tenant: str, day: date) -> list[Path]:
    """Write a revenue CSV (3 good rows, 2 bad), an events JSONL (2 good, 1 bad) and a
    competitor-moves CSV (the wargame's response history: 6 good rows, 1 bad)."""
    at = day.isoformat()
    revenue = landing_dir / "revenue" / tenant / f"crm-export-{at}.csv"
    revenue.parent.mkdir(parents=True, exist_ok=True)
    revenue.write_text(
        "order_id,customer_id,occurred_at,amount,currency,product\n"
        f"crm-{at}-1,{tenant}-crm-1,{at}T09:15:00Z,499.00,USD,enterprise\n"
        f"crm-{at}-2,{tenant}-crm-2,{at}T11:40:00Z,99.00,USD,pro\n"
        f"crm-{at}-3,{tenant}-crm-3,{at}T16:05:00Z,twelve,USD,pro\n"
        f"crm-{at}-4,{tenant}-crm-4,{at}T17:30:00Z,29.00,USD,starter\n"
        f"crm-{at}-5,,{at}T18:00:00Z,29.00,USD,starter\n"
    )
    events = landing_dir / "events" / tenant / f"mobile-batch-{at}.jsonl"
    events.parent.mkdir(parents=True, exist_ok=True)
    lines = [
        {"event_id": f"mob-{at}-1", "event": "app_open", "person_id": f"{tenant}-mobile-1",
         "timestamp": f"{at}T07:00:00Z", "device": "mobile", "properties": {"os": "ios"}},
        {"event_id": f"mob-{at}-2", "event": "app_open", "person_id": f"{tenant}-mobile-2",
         "timestamp": f"{at}T07:05:00Z", "device": "mobile", "properties": {"os": "android"}},
        {"event_id": f"mob-{at}-3", "event": "app_open", "timestamp": f"{at}T07:10:00Z"},
    ]
    events.write_text("".join(json.dumps(line) + "\n" for line in lines))
    moves = landing_dir / "competitor_moves" / tenant / f"analyst-log-{at}.csv"
    moves.parent.mkdir(parents=True, exist_ok=True)
    moves.write_text(
        "move_id,occurred_at,competitor,action_type,trigger\n"
        f"mv-{at}-1,{at}T08:00:00Z,globex,price_cut,price_cut\n"
        f"mv-{at}-2,{at}T08:30:00Z,globex,price_cut,price_cut\n"
        f"mv-{at}-3,{at}T09:00:00Z,initech,marketing_campaign,price_cut\n"
        f"mv-{at}-4,{at}T09:30:00Z,umbrella,marketing_campaign,product_launch\n"
        f"mv-{at}-5,{at}T10:00:00Z,globex,product_launch,product_launch\n"
        f"mv-{at}-6,{at}T10:30:00Z,initech,partnership,\n"
        f"mv-{at}-7,{at}T11:00:00Z,hooli,teleport,price_cut\n"
    )
    return [revenue, events, moves]
