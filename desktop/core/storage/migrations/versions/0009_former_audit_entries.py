"""former audit entries: a former commune's audit trail, kept verbatim when its book is merged

Issue 17 (merging the books of the communes joined in 2025).

Revision ID: 0009_former_audit_entries
Revises: 0008_report_documents
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_former_audit_entries"
down_revision: str | None = "0008_report_documents"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "former_audit_entries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("book_id", sa.String(length=36), nullable=False),
        sa.Column("commune_code", sa.String(length=5), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("table_name", sa.String(length=40), nullable=False),
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("before", sa.Text(), nullable=False),
        sa.Column("after", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("entry_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_former_audit_entries")),
        sa.UniqueConstraint("book_id", "seq", name=op.f("uq_former_audit_entries_book_id")),
    )
    with op.batch_alter_table("former_audit_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_former_audit_entries_record_id"), ["record_id"], unique=False
        )
    # Kept as it was: the database itself refuses to change or remove a line.
    op.execute(
        "CREATE TRIGGER former_audit_entries_no_update BEFORE UPDATE ON former_audit_entries "
        "BEGIN SELECT RAISE(ABORT, 'audit trail is append-only'); END"
    )
    op.execute(
        "CREATE TRIGGER former_audit_entries_no_delete BEFORE DELETE ON former_audit_entries "
        "BEGIN SELECT RAISE(ABORT, 'audit trail is append-only'); END"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS former_audit_entries_no_delete")
    op.execute("DROP TRIGGER IF EXISTS former_audit_entries_no_update")
    with op.batch_alter_table("former_audit_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_former_audit_entries_record_id"))
    op.drop_table("former_audit_entries")
