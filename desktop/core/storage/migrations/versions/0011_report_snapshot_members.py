"""report snapshot members: the ids behind every number of a finalised report, kept on this PC

Issue 14 (a finalised report's drill-down lists the children it counted).

Revision ID: 0011_report_snapshot_members
Revises: 0010_upstream_merged_from
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_report_snapshot_members"
down_revision: str | None = "0010_upstream_merged_from"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "report_snapshot_members",
        sa.Column("report_id", sa.String(length=36), nullable=False),
        sa.Column("format", sa.Integer(), nullable=False),
        sa.Column("ids_count", sa.Integer(), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["periodic_reports.id"],
            name=op.f("fk_report_snapshot_members_report_id_periodic_reports"),
        ),
        sa.PrimaryKeyConstraint("report_id", name=op.f("pk_report_snapshot_members")),
    )


def downgrade() -> None:
    op.drop_table("report_snapshot_members")
