"""enrolment nonce: the book keeps the nonce of its enrolment attempt and its code's hash

Revision ID: 0007_enrolment_nonce
Revises: 0006_report_decisions
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_enrolment_nonce"
down_revision: str | None = "0006_report_decisions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("commune_settings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("enrolment_nonce", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("enrolment_code_hash", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("commune_settings", schema=None) as batch_op:
        batch_op.drop_column("enrolment_code_hash")
        batch_op.drop_column("enrolment_nonce")
