"""Runtime settings: the only module that reads the environment (DESIGN §3).

`load_settings()` returns an immutable `Settings`; every other module receives it (or
the piece it needs) as an argument. `ENV_VARS` lists every variable read here, and the
docker-compose test checks that the compose file sets nothing else.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path


@dataclass(frozen=True)
class ConnectorSettings:
    """Credentials and endpoints of the SaaS connectors; unset means 'skip it'."""

    tenant_id: str = "default"
    x_bearer_token: str | None = None
    x_base_url: str = "https://api.twitter.com"
    reddit_client_id: str | None = None
    reddit_client_secret: str | None = None
    reddit_base_url: str = "https://oauth.reddit.com"
    reddit_auth_url: str = "https://www.reddit.com"
    linkedin_access_token: str | None = None
    linkedin_organization_urn: str | None = None
    linkedin_base_url: str = "https://api.linkedin.com"
    ga4_access_token: str | None = None
    ga4_property_id: str | None = None
    ga4_base_url: str = "https://analyticsdata.googleapis.com"
    max_pages: int = 50
    max_retries: int = 5
    timeout_seconds: float = 30.0


@dataclass(frozen=True)
class Settings:
    """Everything Sightline reads from the environment, resolved to concrete values."""

    home: Path
    clickhouse_url: str | None
    clickhouse_cluster: str | None
    redis_url: str | None
    database_url: str
    duckdb_path: Path
    landing_dir: Path
    dagster_home: Path
    partition_start: date
    store_lock_timeout_seconds: float
    demo_tenants: tuple[str, ...] = ("acme", "globex")
    connectors: ConnectorSettings = field(default_factory=ConnectorSettings)

    @property
    def embedded(self) -> bool:
        """True when ClickHouse is the in-process chDB engine (no server URL)."""
        return self.clickhouse_url is None

    @property
    def chdb_path(self) -> Path:
        """Data directory of the embedded chDB store."""
        return self.home / "clickhouse"


def _connector_settings(env: Mapping[str, str]) -> ConnectorSettings:
    defaults = ConnectorSettings()
    return ConnectorSettings(
        tenant_id=env.get("SIGHTLINE_CONNECTOR_TENANT", defaults.tenant_id),
        x_bearer_token=env.get("SIGHTLINE_X_BEARER_TOKEN") or None,
        x_base_url=env.get("SIGHTLINE_X_BASE_URL", defaults.x_base_url),
        reddit_client_id=env.get("SIGHTLINE_REDDIT_CLIENT_ID") or None,
        reddit_client_secret=env.get("SIGHTLINE_REDDIT_CLIENT_SECRET") or None,
        reddit_base_url=env.get("SIGHTLINE_REDDIT_BASE_URL", defaults.reddit_base_url),
        reddit_auth_url=env.get("SIGHTLINE_REDDIT_AUTH_URL", defaults.reddit_auth_url),
        linkedin_access_token=env.get("SIGHTLINE_LINKEDIN_ACCESS_TOKEN") or None,
        linkedin_organization_urn=env.get("SIGHTLINE_LINKEDIN_ORGANIZATION_URN") or None,
        linkedin_base_url=env.get("SIGHTLINE_LINKEDIN_BASE_URL", defaults.linkedin_base_url),
        ga4_access_token=env.get("SIGHTLINE_GA4_ACCESS_TOKEN") or None,
        ga4_property_id=env.get("SIGHTLINE_GA4_PROPERTY_ID") or None,
        ga4_base_url=env.get("SIGHTLINE_GA4_BASE_URL", defaults.ga4_base_url),
        max_pages=int(env.get("SIGHTLINE_CONNECTOR_MAX_PAGES", defaults.max_pages)),
        max_retries=int(env.get("SIGHTLINE_CONNECTOR_MAX_RETRIES", defaults.max_retries)),
        timeout_seconds=float(env.get("SIGHTLINE_CONNECTOR_TIMEOUT", defaults.timeout_seconds)),
    )


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read settings from `env` (default: the process environment).

    Raises ValueError with the variable's name when a value cannot be parsed.
    """
    env = os.environ if env is None else env
    home = Path(env.get("SIGHTLINE_HOME", "./.sightline")).resolve()
    start_text = env.get("SIGHTLINE_PARTITION_START", "2025-01-01")
    try:
        partition_start = date.fromisoformat(start_text)
    except ValueError as exc:
        raise ValueError(
            f"SIGHTLINE_PARTITION_START={start_text!r} is not a date; use YYYY-MM-DD"
        ) from exc
    return Settings(
        home=home,
        clickhouse_url=env.get("SIGHTLINE_CLICKHOUSE_URL") or None,
        clickhouse_cluster=env.get("SIGHTLINE_CLICKHOUSE_CLUSTER") or None,
        redis_url=env.get("SIGHTLINE_REDIS_URL") or None,
        database_url=env.get("SIGHTLINE_DATABASE_URL") or f"sqlite:///{home / 'app.db'}",
        duckdb_path=Path(env.get("SIGHTLINE_DUCKDB_PATH") or home / "transform.duckdb"),
        landing_dir=Path(env.get("SIGHTLINE_LANDING_DIR") or home / "landing"),
        dagster_home=Path(env.get("DAGSTER_HOME") or home / "dagster"),
        partition_start=partition_start,
        store_lock_timeout_seconds=float(env.get("SIGHTLINE_STORE_LOCK_TIMEOUT", "60")),
        demo_tenants=tuple(
            name.strip()
            for name in env.get("SIGHTLINE_DEMO_TENANTS", "acme,globex").split(",")
            if name.strip()
        ),
        connectors=_connector_settings(env),
    )


ENV_VARS: frozenset[str] = frozenset(
    {
        "SIGHTLINE_HOME",
        "SIGHTLINE_CLICKHOUSE_URL",
        "SIGHTLINE_CLICKHOUSE_CLUSTER",
        "SIGHTLINE_REDIS_URL",
        "SIGHTLINE_DATABASE_URL",
        "SIGHTLINE_DUCKDB_PATH",
        "SIGHTLINE_LANDING_DIR",
        "DAGSTER_HOME",
        "SIGHTLINE_PARTITION_START",
        "SIGHTLINE_STORE_LOCK_TIMEOUT",
        "SIGHTLINE_DEMO_TENANTS",
        "SIGHTLINE_CONNECTOR_TENANT",
        "SIGHTLINE_X_BEARER_TOKEN",
        "SIGHTLINE_X_BASE_URL",
        "SIGHTLINE_REDDIT_CLIENT_ID",
        "SIGHTLINE_REDDIT_CLIENT_SECRET",
        "SIGHTLINE_REDDIT_BASE_URL",
        "SIGHTLINE_REDDIT_AUTH_URL",
        "SIGHTLINE_LINKEDIN_ACCESS_TOKEN",
        "SIGHTLINE_LINKEDIN_ORGANIZATION_URN",
        "SIGHTLINE_LINKEDIN_BASE_URL",
        "SIGHTLINE_GA4_ACCESS_TOKEN",
        "SIGHTLINE_GA4_PROPERTY_ID",
        "SIGHTLINE_GA4_BASE_URL",
        "SIGHTLINE_CONNECTOR_MAX_PAGES",
        "SIGHTLINE_CONNECTOR_MAX_RETRIES",
        "SIGHTLINE_CONNECTOR_TIMEOUT",
    }
)
