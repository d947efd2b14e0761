"""Field parsers for landing rows: each returns a typed value or raises FieldError."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime

MAX_FIELD_CHARS = 65_536


class FieldError(ValueError):
    """A field's value is missing, malformed or out of range; the message is the reason."""


def text(row: Mapping[str, object], name: str, *, required: bool = True,
         max_chars: int = MAX_FIELD_CHARS) -> str:
    """A string field (stripped). Raises FieldError when required and empty, or too long."""
    value = row.get(name)
    value = "" if value is None else str(value).strip()
    if required and not value:
        raise FieldError(f"missing required field '{name}'")
    if len(value) > max_chars:
        raise FieldError(f"field '{name}' has {len(value)} characters, limit {max_chars}")
    return value


def choice(row: Mapping[str, object], name: str, allowed: frozenset[str]) -> str:
    """A string field that must be one of `allowed` (compared lower-case)."""
    value = text(row, name).lower()
    if value not in allowed:
        raise FieldError(f"field '{name}'={value!r} is not one of {sorted(allowed)}")
    return value


def timestamp(row: Mapping[str, object], name: str) -> datetime:
    """An ISO 8601 timestamp, converted to UTC (a value without offset is taken as UTC)."""
    raw = text(row, name)
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise FieldError(f"field '{name}'={raw!r} is not an ISO 8601 timestamp") from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def number(row: Mapping[str, object], name: str, *, required: bool = True,
           minimum: float | None = 0.0) -> float | None:
    """A finite float >= `minimum`; None when optional and empty."""
    raw = text(row, name, required=required)
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise FieldError(f"field '{name}'={raw!r} is not a number") from None
    if not math.isfinite(value):
        raise FieldError(f"field '{name}'={raw!r} is not finite")
    if minimum is not None and value < minimum:
        raise FieldError(f"field '{name}'={value} is below {minimum}")
    return value


def count(row: Mapping[str, object], name: str, *, required: bool = False) -> int:
    """A non-negative integer (empty → 0 unless required)."""
    raw = text(row, name, required=required)
    if not raw:
        return 0
    if not re.fullmatch(r"\d+", raw):
        raise FieldError(f"field '{name}'={raw!r} is not a non-negative integer")
    return int(raw)


def flag(row: Mapping[str, object], name: str) -> bool:
    """A boolean written true/false/1/0/yes/no (empty → False)."""
    raw = text(row, name, required=False).lower()
    if raw in ("", "false", "0", "no"):
        return False
    if raw in ("true", "1", "yes"):
        return True
    raise FieldError(f"field '{name}'={raw!r} is not a boolean")


def currency(row: Mapping[str, object], name: str) -> str:
    """An ISO 4217 code: three letters, returned upper-case."""
    value = text(row, name).upper()
    if not re.fullmatch(r"[A-Z]{3}", value):
        raise FieldError(f"field '{name}'={value!r} is not a 3-letter currency code")
    return value
