"""compact book: backups folder size limit

Revision ID: 0003_compact_book
Revises: 0002
Create Date: 2026-12-03 06:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_compact_book"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("commune_settings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("backup_limit_mb", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("commune_settings", schema=None) as batch_op:
        batch_op.drop_column("backup_limit_mb")
