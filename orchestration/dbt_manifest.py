"""The dbt project Dagster loads, and its manifest kept in step with the project files."""

from __future__ import annotations

import subprocess
import sys
from functools import cache
from pathlib import Path

from dagster_dbt import DbtProject

DBT_PROJECT_DIR = Path(__file__).resolve().parents[1] / "dbt_project"
DBT_PROJECT = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
# The dbt of this environment, even when the venv is not activated (PATH may lack it).
DBT_EXECUTABLE = Path(sys.executable).with_name("dbt")


def _newest_source_mtime(project_dir: Path) -> float:
    files = [p for folder in ("models", "macros", "tests") for p in
             (project_dir / folder).rglob("*") if p.is_file()]
    files.append(project_dir / "dbt_project.yml")
    return max(p.stat().st_mtime for p in files)


@cache  # the code location asks three times while it loads; parse at most once
def ensure_manifest() -> Path:
    """Path of manifest.json, running `dbt parse` first when it is missing or stale.

    Raises RuntimeError with dbt's own message when the project does not parse.
    """
    manifest = DBT_PROJECT.manifest_path
    if manifest.exists() and manifest.stat().st_mtime >= _newest_source_mtime(DBT_PROJECT_DIR):
        return manifest
    result = subprocess.run(
        [str(DBT_EXECUTABLE), "parse", "--quiet", "--project-dir", str(DBT_PROJECT_DIR),
         "--profiles-dir", str(DBT_PROJECT_DIR)],
        capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(
            f"dbt parse failed; fix the dbt project:\n{result.stdout}{result.stderr}")
    return manifest
