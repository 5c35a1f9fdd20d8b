"""The official PDF of each report version, as the commune finalised it.

Revision ID: 0005_report_documents
Revises: 0004_enrolment_nonce
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_report_documents"
down_revision: str | None = "0004_enrolment_nonce"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "report_documents",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("report_id", sa.String(length=36), nullable=False),
        sa.Column("commune_code", sa.String(length=5), nullable=False),
        sa.Column("file_name", sa.String(length=124), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_documents")),
    )
    with op.batch_alter_table("report_documents", schema=None) as batch_op:
        batch_op.create_index("ix_report_documents_report_id", ["report_id"])


def downgrade() -> None:
    with op.batch_alter_table("report_documents", schema=None) as batch_op:
        batch_op.drop_index("ix_report_documents_report_id")
    op.drop_table("report_documents")
