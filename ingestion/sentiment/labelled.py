"""Labelled sentiment files: CSV/TSV with `text` and `label` columns, or SemEval TSV.

Accepted layouts (the label is positive, neutral or negative, any case):
- CSV (`.csv`) or TSV (`.tsv`, `.txt`) with a header naming `text` and `label` columns;
- SemEval task 4A TSV, no header: `id<TAB>label<TAB>text` (literal `\\uXXXX` escapes in
  the text are decoded, as those files write commas and quotes that way).
"""

from __future__ import annotations

import csv
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from ingestion.sentiment.linear_model import CLASSES

_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")
_LAYOUT_HELP = (
    "expected a CSV/TSV file with a header naming 'text' and 'label' columns, or SemEval "
    "TSV lines 'id<TAB>label<TAB>text'; labels are positive, neutral or negative"
)


class LabelledFileError(ValueError):
    """A labelled file cannot be read; the message says which file, where and what to do."""


@dataclass(frozen=True)
class LabelledSet:
    """Texts with their labels (indexes into `CLASSES`) and where they came from."""

    texts: list[str]
    labels: list[int]
    files: dict[str, str]  # file name → SHA-256 of its bytes

    def __len__(self) -> int:
        return len(self.texts)


def _label(value: str, path: Path, line: int) -> int:
    name = value.strip().lower()
    if name not in CLASSES:
        raise LabelledFileError(
            f"{path}:{line}: label {value!r} is not one of {CLASSES}; {_LAYOUT_HELP}"
        )
    return CLASSES.index(name)


def _semeval_rows(lines: list[str], path: Path) -> list[tuple[str, int]]:
    rows = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        parts = line.rstrip("\r\n").split("\t", 2)
        if len(parts) != 3:
            raise LabelledFileError(f"{path}:{number}: not 'id<TAB>label<TAB>text'; {_LAYOUT_HELP}")
        text = _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), parts[2])
        rows.append((text, _label(parts[1], path, number)))
    return rows


def _header_rows(lines: list[str], path: Path, delimiter: str) -> list[tuple[str, int]]:
    reader = csv.reader(lines, delimiter=delimiter)  # lines keep their ends: quoted newlines
    header = [name.strip().lower() for name in next(reader)]
    if "text" not in header or "label" not in header:
        raise LabelledFileError(
            f"{path}: header {header[:5]} lacks 'text' and 'label'; {_LAYOUT_HELP}"
        )
    text_at, label_at = header.index("text"), header.index("label")
    rows = []
    for record in reader:
        if not record:
            continue
        if len(record) <= max(text_at, label_at):
            raise LabelledFileError(
                f"{path}:{reader.line_num}: {len(record)} fields, "
                f"expected {len(header)}; {_LAYOUT_HELP}"
            )
        rows.append((record[text_at], _label(record[label_at], path, reader.line_num)))
    return rows


def read_labelled(paths: list[Path]) -> LabelledSet:
    """Return the rows of `paths`, in file then line order.

    Raises LabelledFileError when a file is missing, not UTF-8, in no accepted layout,
    has a label other than positive/neutral/negative, or holds no rows.
    """
    if not paths:
        raise LabelledFileError(f"no labelled files given; {_LAYOUT_HELP}")
    texts: list[str] = []
    labels: list[int] = []
    files: dict[str, str] = {}
    for path in paths:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise LabelledFileError(f"cannot read {path}: {exc.strerror or exc}") from exc
        try:
            content = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise LabelledFileError(
                f"{path} is not UTF-8 text ({exc.reason} at byte {exc.start}); save it as UTF-8"
            ) from exc
        lines = content.splitlines(keepends=True)
        first = lines[0] if lines else ""
        fields = first.rstrip("\r\n").split("\t")
        if len(fields) >= 3 and fields[1].strip().lower() in CLASSES:
            rows = _semeval_rows(lines, path)
        elif lines:
            delimiter = "\t" if "\t" in first or path.suffix.lower() in (".tsv", ".txt") else ","
            rows = _header_rows(lines, path, delimiter)
        else:
            rows = []
        if not rows:
            raise LabelledFileError(f"{path} holds no labelled rows; {_LAYOUT_HELP}")
        texts += [text for text, _ in rows]
        labels += [label for _, label in rows]
        files[path.name] = hashlib.sha256(raw).hexdigest()
    return LabelledSet(texts, labels, files)
