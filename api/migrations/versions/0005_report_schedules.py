"""Scheduled reports and their delivery log.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Add report_schedules and report_deliveries."""
    op.create_table(
        "report_schedules",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("dashboard_id", sa.Integer, sa.ForeignKey("dashboards.id"), nullable=False),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("owner_key_id", sa.Integer, sa.ForeignKey("api_keys.id"), nullable=False),
        sa.Column("cadence", sa.String(16), nullable=False),
        sa.Column("at_time", sa.String(5), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("weekday", sa.Integer, nullable=False),
        sa.Column("day_of_month", sa.Integer, nullable=False),
        sa.Column("format", sa.String(8), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("target", sa.String(500), nullable=False),
        sa.Column("next_run_at", TS, nullable=False),
        sa.Column("last_versions", sa.JSON, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Index("ix_report_schedules_tenant_id", "tenant_id"),
        sa.Index("ix_report_schedules_dashboard_id", "dashboard_id"),
        sa.Index("ix_report_schedules_next_run_at", "next_run_at"))
    op.create_table(
        "report_deliveries",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("schedule_id", sa.Integer, nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("dashboard_id", sa.Integer, nullable=False),
        sa.Column("scheduled_for", TS, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("target", sa.String(500), nullable=False),
        sa.Column("format", sa.String(8), nullable=False),
        sa.Column("bytes", sa.Integer, nullable=False),
        sa.Column("etag", sa.String(80), nullable=False),
        sa.Column("dataset_versions", sa.JSON, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.UniqueConstraint("schedule_id", "scheduled_for"),
        sa.Index("ix_report_deliveries_schedule_id", "schedule_id"),
        sa.Index("ix_report_deliveries_tenant_id", "tenant_id"))


def downgrade() -> None:
    """Drop them."""
    op.drop_table("report_deliveries")
    op.drop_table("report_schedules")
