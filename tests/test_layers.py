"""Layers import downward only (DESIGN §2): `api/` knows no orchestrator (`sightline
serve` injects the run launcher); `warehouse/` is what every layer shares and imports no
other layer; `ingestion/` and `simulations/` are plain libraries (no Dagster,
no FastAPI, no `api/` or `orchestration/`); `simulations/` does no I/O."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
# package -> top-level modules it must never import
FORBIDDEN = {
    "api": {"orchestration", "dagster", "dagster_dbt"},
    "warehouse": {"ingestion", "simulations", "api", "orchestration", "dagster", "fastapi"},
    "ingestion": {"api", "orchestration", "dagster", "dagster_dbt", "fastapi"},
    "simulations": {"ingestion", "warehouse", "api", "orchestration", "dagster", "fastapi",
                    "clickhouse_connect", "duckdb", "httpx"},
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_a_layer_imports_no_layer_above_it(package: str) -> None:
    offences = {str(path.relative_to(ROOT)): sorted(_imports(path) & FORBIDDEN[package])
                for path in sorted((ROOT / package).rglob("*.py"))}
    assert {p: m for p, m in offences.items() if m} == {}


def test_the_served_app_gets_the_dagster_run_launcher(settings) -> None:
    from orchestration.run_launcher import DagsterRunLauncher
    from orchestration.serving import build_app

    assert isinstance(build_app().state.run_launcher, DagsterRunLauncher)
