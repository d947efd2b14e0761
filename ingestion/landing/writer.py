"""Writing into the landing zone: files appear whole, under the tenant's folder, or not at all.

A writer fills a dot-prefixed temporary file inside `<landing>/<connector>/<tenant>/`
(intake ignores dot files), flushes it to disk, then renames it into place; a rename
within one directory is atomic, so intake never reads half a file.
"""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path

from ingestion.landing.contracts import CONTRACTS
from ingestion.landing.intake import RESERVED_DIRS, SUFFIXES, TENANT_PATTERN

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,200}")


def tenant_folder(landing_dir: Path, connector: str, tenant_id: str) -> Path:
    """`<landing>/<connector>/<tenant>/`, created if missing.

    Raises ValueError for a connector without a contract or an invalid tenant id.
    """
    if connector not in CONTRACTS:
        raise ValueError(f"no landing contract for connector {connector!r}; "
                         f"known: {', '.join(CONTRACTS)}")
    if not TENANT_PATTERN.fullmatch(tenant_id) or tenant_id in RESERVED_DIRS:
        raise ValueError(f"{tenant_id!r} is not a valid tenant id for the landing zone")
    folder = landing_dir / connector / tenant_id
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def temp_path(folder: Path) -> Path:
    """A fresh dot-prefixed name in `folder` (invisible to intake until renamed)."""
    return folder / f".incoming-{uuid.uuid4().hex}.tmp"


def publish(temp: Path, name: str) -> Path:
    """Flush `temp` to disk and rename it to `name` in the same folder; return the path.

    Raises ValueError for a name intake would not read (dot files, other suffixes, path
    separators).
    """
    if not _NAME.fullmatch(name) or not name.endswith(SUFFIXES):
        raise ValueError(f"{name!r} is not a landing file name (letters, digits, '.', '_', "
                         f"'-'; ending in {' or '.join(SUFFIXES)})")
    with temp.open("rb+") as handle:
        os.fsync(handle.fileno())
    target = temp.parent / name
    os.replace(temp, target)
    return target


def write_landing_file(landing_dir: Path, connector: str, tenant_id: str, name: str,
                       data: bytes) -> Path:
    """Write `data` atomically as `<landing>/<connector>/<tenant>/<name>`; return the path.

    Raises ValueError for an unknown connector, a bad tenant id or a bad file name.
    """
    temp = temp_path(tenant_folder(landing_dir, connector, tenant_id))
    try:
        temp.write_bytes(data)
        return publish(temp, name)
    finally:
        temp.unlink(missing_ok=True)


def relative_name(landing_dir: Path, path: Path) -> str:
    """A landed file as intake labels it: `<connector>/<tenant>/<name>`."""
    return path.relative_to(landing_dir).as_posix()
