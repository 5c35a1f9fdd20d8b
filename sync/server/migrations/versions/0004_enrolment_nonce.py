"""Devices keep the hash of their enrolment nonce, so a lost enrolment answer can be retried.

Revision ID: 0004_enrolment_nonce
Revises: 0003_reports_and_dashboard
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_enrolment_nonce"
down_revision: str | None = "0003_reports_and_dashboard"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("enrollment_nonce_hash", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.drop_column("enrollment_nonce_hash")
