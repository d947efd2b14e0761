"""`dbt docs generate` succeeds on a built store and catalogs every model."""

from __future__ import annotations

import json
from pathlib import Path

from tests.dbt_project.conftest import TransformStore


def test_docs_generate_catalogs_every_model_and_source(demo_store: TransformStore,
                                                       tmp_path: Path) -> None:
    store = demo_store.copy(tmp_path)
    store.dbt("docs", "generate")
    catalog = json.loads((store.target_dir / "catalog.json").read_text())
    manifest = json.loads((store.target_dir / "manifest.json").read_text())
    models = {uid for uid, node in manifest["nodes"].items() if node["resource_type"] == "model"}
    assert len(models) == 20
    assert models <= set(catalog["nodes"])
    assert set(manifest["sources"]) <= set(catalog["sources"])
    # the catalog reads the built tables: a mart's columns come with their DuckDB types
    retention = catalog["nodes"]["model.sightline.fct_retention_cohorts"]["columns"]
    assert retention["retention_rate"]["type"] == "DOUBLE"
    assert retention["cohort_start"]["type"] == "DATE"
    # and the YAML descriptions reach the manifest the docs site shows
    described = manifest["nodes"]["model.sightline.int_person_days_active"]["columns"]
    assert "128-bit" in described["person_key"]["description"]
