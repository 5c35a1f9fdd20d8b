"""report documents: the official PDF of each finalised report version, synced upstream

Revision ID: 0008_report_documents
Revises: 0007_enrolment_nonce
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_report_documents"
down_revision: str | None = "0007_enrolment_nonce"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "report_documents",
        sa.Column("report_id", sa.String(length=36), nullable=False),
        sa.Column("file_name", sa.String(length=124), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content_base64", sa.Text(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("synced_version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("sync_state", sa.String(length=12), nullable=False),
        sa.Column("sync_error", sa.Text(), nullable=True),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["periodic_reports.id"],
            name=op.f("fk_report_documents_report_id_periodic_reports"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_documents")),
    )
    with op.batch_alter_table("report_documents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_report_documents_report_id"), ["report_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_report_documents_sync_state"), ["sync_state"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("report_documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_documents_sync_state"))
        batch_op.drop_index(batch_op.f("ix_report_documents_report_id"))
    op.drop_table("report_documents")
