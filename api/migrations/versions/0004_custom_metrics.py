"""Custom metrics saved per tenant.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Add custom_metrics."""
    op.create_table(
        "custom_metrics",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("formula", sa.String(500), nullable=False),
        sa.Column("unit", sa.String(16), nullable=False),
        sa.Column("event", sa.String(200), nullable=True),
        sa.Column("filters", sa.JSON, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Index("ix_custom_metrics_tenant_id", "tenant_id"))


def downgrade() -> None:
    """Drop custom_metrics."""
    op.drop_table("custom_metrics")
