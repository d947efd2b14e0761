"""Observed competitor moves from their stored form: the `competitor_moves` landing
connector's (day, payload JSON) rows, as the engine's `ObservedMove`s. Pure: the caller
reads the rows (the simulation asset and the API run `warehouse.competitor_moves`)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date

from simulations.models import ObservedMove


def to_observed_moves(rows: Iterable[tuple[date, str]]) -> list[ObservedMove]:
    """Parse (day, payload JSON) rows into observed moves."""
    moves = []
    for day, payload in rows:
        record = json.loads(payload)
        moves.append(ObservedMove(date=day, competitor=record["competitor"],
                                  action_type=record["action_type"],
                                  trigger=record.get("trigger")))
    return moves
