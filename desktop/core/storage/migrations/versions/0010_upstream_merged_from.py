"""upstream merged from: the former communes upstream has declared merged into this one

Issue 17: a book that brought in former communes' books learns at sync whether the server
has been told each merge (``merge-communes``).

Revision ID: 0010_upstream_merged_from
Revises: 0009_former_audit_entries
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_upstream_merged_from"
down_revision: str | None = "0009_former_audit_entries"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("commune_settings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("upstream_merged_from", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("commune_settings", schema=None) as batch_op:
        batch_op.drop_column("upstream_merged_from")
