"""report decisions: upstream's approvals and returns of the periodic reports

Revision ID: 0006_report_decisions
Revises: 0005_protection
Create Date: 2026-12-03 19:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_report_decisions"
down_revision: str | None = "0005_protection"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "report_decisions",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("report_id", sa.String(length=36), nullable=False),
        sa.Column("period_code", sa.String(length=10), nullable=False),
        sa.Column("report_version", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=10), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.String(length=200), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_decisions")),
    )
    with op.batch_alter_table("report_decisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_report_decisions_period_code"), ["period_code"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_report_decisions_report_id"), ["report_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("report_decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_decisions_report_id"))
        batch_op.drop_index(batch_op.f("ix_report_decisions_period_code"))
    op.drop_table("report_decisions")
