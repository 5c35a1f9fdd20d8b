"""Commune merges declared upstream, and the record versions a merge set aside.

Revision ID: 0006_commune_merges
Revises: 0005_report_documents
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006_commune_merges"
down_revision: str | None = "0005_report_documents"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "commune_merges",
        sa.Column("former_code", sa.String(length=5), nullable=False),
        sa.Column("into_code", sa.String(length=5), nullable=False),
        sa.Column("merged_on", sa.Date(), nullable=False),
        sa.Column("declared_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("declared_by", sa.String(length=64), nullable=False),
        sa.Column("records_moved", sa.Integer(), nullable=False),
        sa.Column("records_folded", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("former_code", name=op.f("pk_commune_merges")),
    )
    with op.batch_alter_table("commune_merges", schema=None) as batch_op:
        batch_op.create_index("ix_commune_merges_into_code", ["into_code"])
    op.create_table(
        "merge_set_aside",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("former_code", sa.String(length=5), nullable=False),
        sa.Column("into_code", sa.String(length=5), nullable=False),
        sa.Column("held_by", sa.String(length=5), nullable=False),
        sa.Column("table_name", sa.String(length=40), nullable=False),
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("data", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.Column("set_aside_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_merge_set_aside")),
    )
    with op.batch_alter_table("merge_set_aside", schema=None) as batch_op:
        batch_op.create_index("ix_merge_set_aside_former_code", ["former_code"])


def downgrade() -> None:
    with op.batch_alter_table("merge_set_aside", schema=None) as batch_op:
        batch_op.drop_index("ix_merge_set_aside_former_code")
    op.drop_table("merge_set_aside")
    with op.batch_alter_table("commune_merges", schema=None) as batch_op:
        batch_op.drop_index("ix_commune_merges_into_code")
    op.drop_table("commune_merges")
