"""Versioned SQL migrations: `migrations/NNNN_name.sql`, applied once and recorded.

Files are plain ClickHouse SQL written for a single node. With a cluster configured,
`render_sql` rewrites each DDL statement to run `ON CLUSTER` and swaps `*MergeTree`
engines for their Replicated counterparts, so one set of files serves both.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from clickhouse_connect.driver.client import Client

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
LEDGER_TABLE = "schema_migrations"

_LEDGER_DDL = f"""
CREATE TABLE IF NOT EXISTS {LEDGER_TABLE}
(
    version    UInt32,
    name       String,
    checksum   String,
    applied_at DateTime64(3, 'UTC')
)
ENGINE = MergeTree
ORDER BY version
"""

_DDL_TARGET = re.compile(
    r"^(\s*(?:CREATE\s+TABLE|ALTER\s+TABLE|DROP\s+TABLE|CREATE\s+DATABASE)"
    r"(?:\s+IF\s+(?:NOT\s+)?EXISTS)?\s+)([`\w.]+)",
    re.IGNORECASE,
)
_ENGINE = re.compile(r"ENGINE\s*=\s*(\w*)MergeTree(?:\s*\(([^)]*)\))?", re.IGNORECASE)


class MigrationError(RuntimeError):
    """A migration file is malformed or was edited after it was applied."""


@dataclass(frozen=True)
class Migration:
    """One migration file."""

    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        """sha256 of the file text; an applied migration must never change."""
        return hashlib.sha256(self.sql.encode()).hexdigest()

    def statements(self) -> list[str]:
        """The file's statements, comments stripped, split on ';'."""
        text = "\n".join(line.split("--", 1)[0] for line in self.sql.splitlines())
        return [s.strip() for s in text.split(";") if s.strip()]


def load_migrations(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """Return the migrations in `directory`, sorted by version.

    Raises MigrationError for a badly named file or a repeated version.
    """
    migrations: dict[int, Migration] = {}
    for path in sorted(directory.glob("*.sql")):
        match = re.fullmatch(r"(\d{4})_(\w+)\.sql", path.name)
        if not match:
            raise MigrationError(f"{path.name}: name migrations NNNN_description.sql")
        version = int(match.group(1))
        if version in migrations:
            raise MigrationError(f"{path.name}: version {version} is used twice")
        migrations[version] = Migration(version, match.group(2), path.read_text())
    return [migrations[v] for v in sorted(migrations)]


def render_sql(statement: str, cluster: str | None) -> str:
    """Render one DDL statement for a single node (`cluster` None) or a cluster."""
    if not cluster:
        return statement
    target = _DDL_TARGET.match(statement)
    if target:
        statement = (
            statement[: target.end()] + f" ON CLUSTER '{cluster}'" + statement[target.end() :]
        )
        table = target.group(2).strip("`").split(".")[-1]

        def replicated(engine: re.Match[str]) -> str:
            variant, args = engine.group(1), (engine.group(2) or "").strip()
            if variant.lower().startswith("replicated"):
                return engine.group(0)
            zk_args = f"'/clickhouse/tables/{{shard}}/{{database}}/{table}', '{{replica}}'"
            all_args = f"{zk_args}, {args}" if args else zk_args
            return f"ENGINE = Replicated{variant}MergeTree({all_args})"

        statement = _ENGINE.sub(replicated, statement)
    return statement


def applied_versions(client: Client) -> dict[int, str]:
    """Version -> checksum of the migrations already recorded."""
    rows = client.query(f"SELECT version, checksum FROM {LEDGER_TABLE}").result_rows
    return {int(version): checksum for version, checksum in rows}


def migrate(client: Client, cluster: str | None = None) -> list[Migration]:
    """Apply pending migrations in order and record each; return the ones applied.

    Idempotent: applied migrations are skipped. Raises MigrationError when an applied
    file's checksum changed (write a new migration instead of editing an old one).
    """
    client.command(render_sql(_LEDGER_DDL.strip(), cluster))
    done = applied_versions(client)
    applied: list[Migration] = []
    for migration in load_migrations():
        if migration.version in done:
            if done[migration.version] != migration.checksum:
                raise MigrationError(
                    f"migration {migration.version:04d}_{migration.name} changed after it "
                    "was applied; revert the edit and add a new migration instead"
                )
            continue
        for statement in migration.statements():
            client.command(render_sql(statement, cluster))
        client.insert(
            LEDGER_TABLE,
            [[migration.version, migration.name, migration.checksum, datetime.now(UTC)]],
            column_names=["version", "name", "checksum", "applied_at"],
        )
        applied.append(migration)
    return applied
