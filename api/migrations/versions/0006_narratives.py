"""Stored narratives and their claims.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add narratives and narrative_claims."""
    op.create_table(
        "narratives",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("request", sa.JSON, nullable=False),
        sa.Column("dataset_versions", sa.JSON, nullable=False),
        sa.Column("template_version", sa.String(32), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("document", sa.JSON, nullable=True),
        sa.Column("claim_ids", sa.JSON, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Index("ix_narratives_tenant_id", "tenant_id"))
    op.create_table(
        "narrative_claims",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("claim_id", sa.String(16), nullable=False),
        sa.Column("claim", sa.JSON, nullable=False),
        sa.Column("rows", sa.JSON, nullable=False),
        sa.UniqueConstraint("tenant_id", "claim_id"))


def downgrade() -> None:
    """Drop them."""
    op.drop_table("narrative_claims")
    op.drop_table("narratives")
