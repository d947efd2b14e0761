"""Every number a narrative shows is a claim: its value, unit and display text, where it
comes from (dataset, table, row key, column), the dataset versions and parameters of the
question it answered, and, for a derived number, the formula and the claims it derives
from. A claim's id is a hash of all of that, so the same fact has the same id in every
run.

Templates never print a number themselves: they print `ClaimBook.show(claim)`, a marker
the gate (`check_numerals`) recognises; any other numeral in the rendered text, except the
fixed constants (ISO dates, years, list ordinals), fails the rendering. `realise` then
swaps the markers for the display text (or, for the web, an element that names the claim).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from babel.numbers import format_currency, format_decimal, format_percent

Unit = Literal["count", "percent", "money", "ratio", "seconds", "score", "quote"]
QUOTE_CHARS = 160
MARKER = re.compile(r"⟦([0-9a-f]{16})⟧")
# Numerals a text may show without a claim: ISO dates and times, years, list ordinals.
_CONSTANTS = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2})?Z?)?"  # ISO dates and times
    r"|\b(?:19|20)\d{2}\b"  # years
    r"|^\s*\d{1,2}\.(?=\s)"  # "1. " list ordinals at a line start
    r"|\b[Qq][1-4]\b|\bp(?:10|50|90)\b"  # quarters, percentile names
    r"|\b\d{1,2}:\d{2}\b"  # video timings (m:ss)
    r"|\bSlide \d{1,2}\b",  # slide numbers
    re.MULTILINE)
_NUMERAL = re.compile(r"\d")


class ClaimGateError(ValueError):
    """A rendered text shows a number that is not a claim."""


@dataclass(frozen=True)
class Claim:
    """One number and its provenance."""

    value: float | int | str  # str: a quoted source text (unit "quote"), e.g. an evidence post
    unit: Unit
    display: str
    dataset: str
    table: str
    key: Mapping[str, Any]
    column: str
    dataset_versions: Mapping[str, int] = field(default_factory=dict)
    params_hash: str = ""
    formula: str | None = None
    inputs: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        """A stable id: the same fact from the same versions gives the same id."""
        canonical = json.dumps(asdict(self), sort_keys=True, default=str,
                               separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def params_hash(params: Any) -> str:
    """The hash of a question's parameters (canonical JSON)."""
    canonical = json.dumps(params, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def display(value: float | int | str, unit: Unit, locale: str = "en_US",
            currency: str = "USD") -> str:
    """How `value` is written (babel's rules for `locale`); a quote in quotation marks,
    cut at QUOTE_CHARS."""
    if unit == "quote":
        text = " ".join(str(value).split())
        return f"“{text if len(text) <= QUOTE_CHARS else text[:QUOTE_CHARS - 1] + '…'}”"
    if unit == "percent":
        return format_percent(value, format="#,##0.0%", locale=locale)
    if unit == "money":
        return format_currency(value, currency, locale=locale)
    if unit == "count":
        return format_decimal(round(value), format="#,##0", locale=locale)
    if unit == "seconds":
        return format_decimal(value, format="#,##0.#", locale=locale) + " s"
    return format_decimal(value, format="#,##0.##", locale=locale)


class ClaimBook:
    """The claims of one document, by id."""

    def __init__(self, locale: str = "en_US") -> None:
        self.locale = locale
        self.claims: dict[str, Claim] = {}
        self.rows: dict[str, list[dict[str, Any]]] = {}  # claim id → its source rows

    def claim(self, value: float | int | str, unit: Unit, *, dataset: str, table: str,
              key: Mapping[str, Any], column: str,
              dataset_versions: Mapping[str, int] | None = None, params: Any = None,
              formula: str | None = None, inputs: tuple[Claim, ...] = (),
              rows: list[dict[str, Any]] | None = None) -> Claim:
        """Record a number and the rows that hold it (for a derived number: its inputs'
        rows); returns its claim."""
        made = Claim(value, unit, display(value, unit, self.locale), dataset, table,
                     dict(key), column, dict(dataset_versions or {}),
                     params_hash(params) if params is not None else "", formula,
                     tuple(c.id for c in inputs))
        self.claims[made.id] = made
        self.rows[made.id] = list(rows if rows is not None else
                                  [r for c in inputs for r in self.rows.get(c.id, [])])
        return made

    def show(self, claim: Claim) -> str:
        """The marker a template prints for a claim."""
        if claim.id not in self.claims:
            raise KeyError(f"claim {claim.id} is not in this book")
        return f"⟦{claim.id}⟧"


def check_numerals(text: str) -> None:
    """Raise ClaimGateError naming the first numeral of `text` (markers removed) that is
    neither a claim nor a fixed constant."""
    bare = _CONSTANTS.sub(" ", MARKER.sub(" ", text))
    found = _NUMERAL.search(bare)
    if found:
        start = max(0, found.start() - 30)
        raise ClaimGateError(f"a number that is not a claim: …{bare[start:found.end() + 30]}…")


def realise(text: str, book: ClaimBook,
            render: Callable[[Claim], str] | None = None) -> str:
    """`text` after the gate, its markers replaced by `render(claim)` (default: the
    claim's display text)."""
    check_numerals(text)
    show = render or (lambda claim: claim.display)
    return MARKER.sub(lambda m: show(book.claims[m.group(1)]), text)
