"""Upstream users; records may be written by an upstream person (a correction).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("communes", sa.Text(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("disabled_at", _utc(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.alter_column("device_id", existing_type=sa.String(length=36), nullable=True)
        batch_op.add_column(sa.Column("author_user_id", sa.String(length=36), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_records_author_user_id_users"), "users", ["author_user_id"], ["id"]
        )


def downgrade() -> None:
    # Corrections have no device; they cannot survive a downgrade that requires one.
    op.execute("DELETE FROM records WHERE device_id IS NULL")
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_records_author_user_id_users"), type_="foreignkey")
        batch_op.drop_column("author_user_id")
        batch_op.alter_column("device_id", existing_type=sa.String(length=36), nullable=False)
    op.drop_table("users")
