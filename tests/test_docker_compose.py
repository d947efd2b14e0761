"""The server deployment files, checked by parsing (no Docker engine needed).

docker-compose.yml must configure the Sightline services only through variables that
warehouse.settings reads, and those must resolve to a server-mode Settings whose URLs
point at services of the same file. Third-party services (clickhouse, redis, postgres)
set their images' own variables (POSTGRES_USER, ...), which are none of Sightline's.
"""

from __future__ import annotations

import re
import shutil
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from warehouse.settings import ENV_VARS, load_settings

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())  # resolves anchors
SERVICES: dict[str, dict] = COMPOSE["services"]
# Sightline's own services are the ones built from the repo's Dockerfile.
SIGHTLINE = sorted(name for name, service in SERVICES.items() if "build" in service)
URL_VARS = ("SIGHTLINE_CLICKHOUSE_URL", "SIGHTLINE_REDIS_URL", "SIGHTLINE_DATABASE_URL")


def _environment(service: dict) -> dict[str, str | None]:
    """`environment:` as a dict; None means 'passed through from the host if set'."""
    env = service.get("environment") or {}
    if isinstance(env, list):  # ["KEY=VALUE", "KEY"]
        pairs = (item.partition("=") for item in env)
        return {key: value if sep else None for key, sep, value in pairs}
    return {key: None if value is None else str(value) for key, value in env.items()}


def test_services_exist() -> None:
    third_party = {"clickhouse", "redis", "postgres"}
    assert third_party | {"dagster-webserver", "dagster-daemon", "api"} <= set(SERVICES)
    assert SIGHTLINE == ["api", "dagster-daemon", "dagster-webserver"]


@pytest.mark.parametrize("name", SIGHTLINE)
def test_sightline_environment_is_settings_only(name: str) -> None:
    env = _environment(SERVICES[name])
    assert set(env) - ENV_VARS == set(), "not read by warehouse.settings"
    for var in (*URL_VARS, "DAGSTER_HOME"):
        assert env.get(var), f"{name} does not set {var}"


@pytest.mark.parametrize("name", SIGHTLINE)
def test_sightline_environment_is_server_mode(name: str) -> None:
    env = _environment(SERVICES[name])
    settings = load_settings({key: value for key, value in env.items() if value is not None})
    assert settings.embedded is False
    assert settings.redis_url
    assert settings.database_url.startswith("postgresql")
    for var in URL_VARS:
        assert urlsplit(env[var]).hostname in SERVICES, f"{var} names no service"


def test_depends_on_targets_exist() -> None:
    for name, service in SERVICES.items():
        # A list of names or a mapping name -> {condition: ...}; both iterate as names.
        missing = set(service.get("depends_on") or ()) - set(SERVICES)
        assert not missing, f"{name} depends on undefined {missing}"


def test_dagster_instance_uses_postgres(tmp_path: Path) -> None:
    from dagster._core.instance.config import dagster_instance_config

    source = ROOT / "docker" / "dagster.yaml"
    postgres = yaml.safe_load(source.read_text())["storage"]["postgres"]["postgres_db"]
    assert postgres["hostname"] in SERVICES
    init_sql = (ROOT / "docker" / "postgres-init.sql").read_text()
    assert re.search(rf"CREATE DATABASE {postgres['db_name']}\b", init_sql, re.IGNORECASE)
    # Dagster's own validation of the instance config (schema, concurrency keys).
    shutil.copy(source, tmp_path / "dagster.yaml")
    dagster_instance_config(str(tmp_path))
    # Postgres storage needs the dagster-postgres package in the image.
    lock = (ROOT / "uv.lock").read_text()
    assert 'name = "dagster-postgres"' in lock or "dagster-postgres" in _dockerfile()
    # The Dagster services install that file as $DAGSTER_HOME/dagster.yaml.
    for name in ("dagster-webserver", "dagster-daemon"):
        assert "/app/docker/dagster.yaml" in " ".join(SERVICES[name]["command"])


def _dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text()


def test_dockerfile_copies_every_package() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    packages = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"]
    copied: set[str] = set()
    for line in _dockerfile().splitlines():
        words = line.split()
        if words[:1] == ["COPY"]:
            sources = [word for word in words[1:-1] if not word.startswith("--")]
            copied.update(source.rstrip("/").split("/")[0] for source in sources)
    assert set(packages) | {"pyproject.toml", "uv.lock", "dbt_project"} <= copied
