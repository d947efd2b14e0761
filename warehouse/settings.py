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
class ApiSettings:
    """Limits and knobs of the HTTP API (DESIGN §9)."""

    host: str = "127.0.0.1"
    port: int = 8000
    rate_limit_per_minute: int = 1200
    cache_ttl_seconds: int = 300
    max_body_bytes: int = 10 * 1024 * 1024
    max_answer_bytes: int = 16 * 1024 * 1024  # larger answers are refused (422)
    memory_cache_bytes: int = 256 * 1024 * 1024  # in-process answer cache, all entries
    max_upload_bytes: int = 50 * 1024 * 1024
    query_max_execution_seconds: int = 30
    query_max_rows_to_read: int = 2_000_000_000
    # a GROUP BY holding more than this spills to disk (0: never; ClickHouse's
    # max_bytes_before_external_group_by) — bounds memory, costs ~1.8x on such queries
    query_group_by_spill_bytes: int = 0
    store_wait_seconds: float = 5.0
    store_idle_release_seconds: float = 2.0
    auth_failures_per_minute: int = 30  # bad keys per client address before 429
    version_ttl_seconds: float = 1.0
    hot_path: bool = True  # answer repeat cached reads before routing (api/hot_path.py)
    # re-evaluate recently viewed dashboards after a publish (api/dashboards/warming.py)
    dashboard_warming: bool = True
    web_secret: str | None = None  # signs web session cookies (None: <home>/web-secret)
    web_session_hours: int = 12  # a web sign-in lasts this long
    # freed heap memory the server keeps for reuse (warehouse/allocator.py; 0: glibc's default)
    malloc_top_pad_bytes: int = 64 * 1024 * 1024


@dataclass(frozen=True)
class ReportSettings:
    """Where scheduled reports go (DESIGN §12)."""

    smtp_url: str | None = None  # smtp://[user:password@]host:port; unset: no email reports
    sender: str = "Sightline <reports@sightline.invalid>"
    outbox_dir: Path | None = None  # default: $SIGHTLINE_HOME/outbox
    webhook_secret: str | None = None  # signs report webhooks (X-Sightline-Signature)
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
    store_linger_seconds: float  # embedded store kept open after a unit of work
    demo_tenants: tuple[str, ...] = ("acme", "globex")
    connectors: ConnectorSettings = field(default_factory=ConnectorSettings)
    api: ApiSettings = field(default_factory=ApiSettings)
    reports: ReportSettings = field(default_factory=ReportSettings)
    # Which scorer scores mentions: "trained" (the committed model), "vader", or a path
    # to a model file written by `sightline sentiment train` (docs/sentiment.md).
    sentiment_model: str = "trained"

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


def _api_settings(env: Mapping[str, str]) -> ApiSettings:
    defaults = ApiSettings()

    def number(name: str, default: float, kind: type = int):
        text = env.get(name)
        if not text:
            return default
        try:
            return kind(text)
        except ValueError:
            raise ValueError(f"{name}={text!r} is not a number") from None

    return ApiSettings(
        host=env.get("SIGHTLINE_API_HOST", defaults.host),
        port=number("SIGHTLINE_API_PORT", defaults.port),
        rate_limit_per_minute=number("SIGHTLINE_API_RATE_LIMIT", defaults.rate_limit_per_minute),
        cache_ttl_seconds=number("SIGHTLINE_API_CACHE_TTL", defaults.cache_ttl_seconds),
        max_body_bytes=number("SIGHTLINE_API_MAX_BODY_BYTES", defaults.max_body_bytes),
        max_answer_bytes=number("SIGHTLINE_API_MAX_ANSWER_BYTES", defaults.max_answer_bytes),
        memory_cache_bytes=number("SIGHTLINE_API_MEMORY_CACHE_BYTES",
                                  defaults.memory_cache_bytes),
        max_upload_bytes=number("SIGHTLINE_API_MAX_UPLOAD_BYTES", defaults.max_upload_bytes),
        query_max_execution_seconds=number("SIGHTLINE_API_QUERY_SECONDS",
                                           defaults.query_max_execution_seconds),
        query_max_rows_to_read=number("SIGHTLINE_API_QUERY_MAX_ROWS",
                                      defaults.query_max_rows_to_read),
        query_group_by_spill_bytes=number("SIGHTLINE_API_QUERY_GROUP_BY_SPILL_BYTES",
                                          defaults.query_group_by_spill_bytes),
        store_wait_seconds=number("SIGHTLINE_API_STORE_WAIT", defaults.store_wait_seconds, float),
        store_idle_release_seconds=number("SIGHTLINE_API_STORE_IDLE",
                                          defaults.store_idle_release_seconds, float),
        version_ttl_seconds=number("SIGHTLINE_API_VERSION_TTL", defaults.version_ttl_seconds,
                                   float),
        auth_failures_per_minute=number("SIGHTLINE_API_AUTH_FAILURES",
                                        defaults.auth_failures_per_minute),
        hot_path=_flag(env, "SIGHTLINE_API_HOT_PATH"),
        dashboard_warming=_flag(env, "SIGHTLINE_DASHBOARD_WARMING"),
        web_secret=env.get("SIGHTLINE_WEB_SECRET") or None,
        web_session_hours=number("SIGHTLINE_WEB_SESSION_HOURS", defaults.web_session_hours),
        malloc_top_pad_bytes=number("SIGHTLINE_API_MALLOC_TOP_PAD",
                                    defaults.malloc_top_pad_bytes),
    )


def _flag(env: Mapping[str, str], name: str) -> bool:
    """An on/off setting, on unless set to 0, false, no or off."""
    return env.get(name, "1").strip().lower() not in ("0", "false", "no", "off")


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
        store_linger_seconds=float(env.get("SIGHTLINE_STORE_LINGER", "1")),
        demo_tenants=tuple(
            name.strip()
            for name in env.get("SIGHTLINE_DEMO_TENANTS", "acme,globex").split(",")
            if name.strip()
        ),
        connectors=_connector_settings(env),
        api=_api_settings(env),
        reports=ReportSettings(
            smtp_url=env.get("SIGHTLINE_SMTP_URL") or None,
            sender=env.get("SIGHTLINE_REPORTS_FROM") or ReportSettings.sender,
            outbox_dir=Path(env.get("SIGHTLINE_REPORTS_OUTBOX") or home / "outbox"),
            webhook_secret=env.get("SIGHTLINE_REPORTS_WEBHOOK_SECRET") or None,
        ),
        sentiment_model=(env.get("SIGHTLINE_SENTIMENT_MODEL") or "trained").strip(),
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
        "SIGHTLINE_API_HOST",
        "SIGHTLINE_API_PORT",
        "SIGHTLINE_API_RATE_LIMIT",
        "SIGHTLINE_API_CACHE_TTL",
        "SIGHTLINE_API_MAX_BODY_BYTES",
        "SIGHTLINE_API_MAX_UPLOAD_BYTES",
        "SIGHTLINE_API_QUERY_SECONDS",
        "SIGHTLINE_API_QUERY_MAX_ROWS",
        "SIGHTLINE_API_STORE_WAIT",
        "SIGHTLINE_API_STORE_IDLE",
        "SIGHTLINE_API_VERSION_TTL",
        "SIGHTLINE_API_MALLOC_TOP_PAD",
        "SIGHTLINE_API_QUERY_GROUP_BY_SPILL_BYTES",
        "SIGHTLINE_SMTP_URL",
        "SIGHTLINE_REPORTS_FROM",
        "SIGHTLINE_REPORTS_OUTBOX",
        "SIGHTLINE_REPORTS_WEBHOOK_SECRET",
        "SIGHTLINE_WEB_SECRET",
        "SIGHTLINE_WEB_SESSION_HOURS",
    }
)
