"""Baseline: the tables the app database held before Alembic (API keys, social monitors,
wargame scenarios and runs, webhook secrets and deliveries).

Databases created before migrations existed already have them: each table is created only
when missing, so upgrading such a database adopts it.

Revision ID: 0001
Revises:
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def _create(name: str, *columns: object) -> None:
    if not sa.inspect(op.get_bind()).has_table(name):
        op.create_table(name, *columns)


def upgrade() -> None:
    """Create the baseline tables that are missing."""
    _create("api_keys",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("prefix", sa.String(16), nullable=False),
            sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
            sa.Column("tenant_id", sa.String(64), nullable=False),
            sa.Column("scopes", sa.String(64), nullable=False),
            sa.Column("name", sa.String(200), nullable=False),
            sa.Column("created_at", TS, nullable=False),
            sa.Column("revoked_at", TS, nullable=True),
            sa.Index("ix_api_keys_prefix", "prefix", unique=True),
            sa.Index("ix_api_keys_tenant_id", "tenant_id"))
    _create("social_monitors",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("tenant_id", sa.String(64), nullable=False),
            sa.Column("name", sa.String(200), nullable=False),
            sa.Column("company", sa.String(200), nullable=False),
            sa.Column("competitors", sa.JSON, nullable=False),
            sa.Column("platforms", sa.JSON, nullable=False),
            sa.Column("timeframe_hours", sa.Integer, nullable=False),
            sa.Column("created_at", TS, nullable=False),
            sa.Column("updated_at", TS, nullable=False),
            sa.Index("ix_social_monitors_tenant_id", "tenant_id"))
    _create("wargame_scenarios",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("tenant_id", sa.String(64), nullable=False),
            sa.Column("name", sa.String(200), nullable=False),
            sa.Column("scenario", sa.JSON, nullable=False),
            sa.Column("created_at", TS, nullable=False),
            sa.Index("ix_wargame_scenarios_tenant_id", "tenant_id"))
    _create("wargame_runs",
            sa.Column("id", sa.String(36), primary_key=True),
            sa.Column("tenant_id", sa.String(64), nullable=False),
            sa.Column("scenario_id", sa.Integer, sa.ForeignKey("wargame_scenarios.id"),
                      nullable=True),
            sa.Column("scenario_name", sa.String(200), nullable=False),
            sa.Column("config", sa.JSON, nullable=False),
            sa.Column("result", sa.JSON, nullable=False),
            sa.Column("created_at", TS, nullable=False),
            sa.Index("ix_wargame_runs_tenant_id", "tenant_id"))
    _create("webhook_secrets",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("tenant_id", sa.String(64), nullable=False),
            sa.Column("connector", sa.String(64), nullable=False),
            sa.Column("secret", sa.String(128), nullable=False),
            sa.Column("created_at", TS, nullable=False),
            sa.UniqueConstraint("tenant_id", "connector"))
    _create("webhook_deliveries",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("tenant_id", sa.String(64), nullable=False),
            sa.Column("connector", sa.String(64), nullable=False),
            sa.Column("delivery_id", sa.String(200), nullable=False),
            sa.Column("landed_file", sa.Text, nullable=False),
            sa.Column("received_at", TS, nullable=False),
            sa.UniqueConstraint("tenant_id", "connector", "delivery_id"))


def downgrade() -> None:
    """Drop the baseline tables."""
    for name in ("webhook_deliveries", "webhook_secrets", "wargame_runs",
                 "wargame_scenarios", "social_monitors", "api_keys"):
        op.drop_table(name)
