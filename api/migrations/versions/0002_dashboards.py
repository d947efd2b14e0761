"""Dashboards: dashboards, their versions and grants; API keys may name a user.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Add the dashboard tables and api_keys.user."""
    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(sa.Column("user", sa.String(200), nullable=True))
    op.create_table(
        "dashboards",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("visibility", sa.String(16), nullable=False),
        sa.Column("parent_id", sa.Integer, sa.ForeignKey("dashboards.id"), nullable=True),
        sa.Column("follows_parent", sa.Boolean, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("spec", sa.JSON, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("deleted_at", TS, nullable=True),
        sa.Index("ix_dashboards_tenant_id", "tenant_id"))
    op.create_table(
        "dashboard_versions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("dashboard_id", sa.Integer, sa.ForeignKey("dashboards.id"), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("spec", sa.JSON, nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("note", sa.String(200), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.UniqueConstraint("dashboard_id", "version"),
        sa.Index("ix_dashboard_versions_dashboard_id", "dashboard_id"))
    op.create_table(
        "dashboard_grants",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("dashboard_id", sa.Integer, sa.ForeignKey("dashboards.id"), nullable=False),
        sa.Column("user", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.UniqueConstraint("dashboard_id", "user"),
        sa.Index("ix_dashboard_grants_dashboard_id", "dashboard_id"))


def downgrade() -> None:
    """Drop them again."""
    for name in ("dashboard_grants", "dashboard_versions", "dashboards"):
        op.drop_table(name)
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("user")
