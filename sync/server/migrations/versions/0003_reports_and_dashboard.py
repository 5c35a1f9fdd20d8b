"""Upstream reports, decisions, reporting calendar, dashboard sessions, settings, audit log;
a dashboard role for upstream users.

Revision ID: 0003_reports_and_dashboard
Revises: 0002
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_reports_and_dashboard"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The default calendar (KH-TanKhai-2024, KH-MinhTam-2025, KH-HoangMai-2024), the same days as
# the app's resources/indicators/calendar.csv: 6 months by 10/5, 9 months by 15/9, year by 10/11.
DEFAULT_DEADLINES = (("H1", 10, 5), ("9M", 15, 9), ("Y", 10, 11))


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("role", sa.String(length=16), server_default="viewer", nullable=False)
        )
    op.create_table(
        "communes",
        sa.Column("code", sa.String(length=5), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("commune_type", sa.String(length=24), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_communes")),
    )
    op.create_table(
        "upstream_reports",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("commune_code", sa.String(length=5), nullable=False),
        sa.Column("period_code", sa.String(length=10), nullable=False),
        sa.Column("report_version", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("finalised_at", _utc(), nullable=True),
        sa.Column("first_seen_at", _utc(), nullable=False),
        sa.Column("submitted_at", _utc(), nullable=True),
        sa.Column("on_time", sa.Boolean(), nullable=True),
        sa.Column("decision", sa.String(length=10), nullable=False),
        sa.Column("decided_at", _utc(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_upstream_reports")),
    )
    with op.batch_alter_table("upstream_reports", schema=None) as batch_op:
        batch_op.create_index(
            "ix_upstream_reports_period_code_commune_code", ["period_code", "commune_code"]
        )
    op.create_table(
        "report_values",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("report_id", sa.String(length=36), nullable=False),
        sa.Column("commune_code", sa.String(length=5), nullable=False),
        sa.Column("indicator_code", sa.String(length=16), nullable=False),
        sa.Column("label", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("unit", sa.String(length=12), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("numerator", sa.Float(), nullable=True),
        sa.Column("denominator", sa.Float(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_values")),
    )
    with op.batch_alter_table("report_values", schema=None) as batch_op:
        batch_op.create_index("ix_report_values_report_id", ["report_id"])
    op.create_table(
        "report_decisions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("report_id", sa.String(length=36), nullable=False),
        sa.Column("commune_code", sa.String(length=5), nullable=False),
        sa.Column("period_code", sa.String(length=10), nullable=False),
        sa.Column("report_version", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=10), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("decided_by", sa.String(length=200), nullable=False),
        sa.Column("decided_at", _utc(), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["upstream_reports.id"],
            name=op.f("fk_report_decisions_report_id_upstream_reports"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_report_decisions_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_decisions")),
    )
    with op.batch_alter_table("report_decisions", schema=None) as batch_op:
        batch_op.create_index("ix_report_decisions_commune_code_id", ["commune_code", "id"])
    deadlines = op.create_table(
        "report_deadlines",
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("report_type", sa.String(length=4), nullable=False),
        sa.Column("due_day", sa.Integer(), nullable=False),
        sa.Column("due_month", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "province_code", "year", "report_type", name=op.f("pk_report_deadlines")
        ),
    )
    op.bulk_insert(
        deadlines,
        [
            {"province_code": "", "year": 0, "report_type": t, "due_day": d, "due_month": m}
            for t, d, m in DEFAULT_DEADLINES
        ],
    )
    op.create_table(
        "server_settings",
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_server_settings")),
    )
    op.create_table(
        "web_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("last_seen_at", _utc(), nullable=False),
        sa.Column("expires_at", _utc(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_web_sessions_user_id_users")
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_web_sessions")),
    )
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_web_sessions_user_id"), ["user_id"])
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failures")),
    )
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.create_index("ix_login_failures_username_at", ["username", "at"])
        batch_op.create_index(batch_op.f("ix_login_failures_address"), ["address"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", _utc(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("target", sa.String(length=200), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_at"), ["at"])


def downgrade() -> None:
    for table in ("audit_log", "login_failures", "web_sessions", "server_settings"):
        op.drop_table(table)
    op.drop_table("report_deadlines")
    op.drop_table("report_decisions")
    op.drop_table("report_values")
    op.drop_table("upstream_reports")
    op.drop_table("communes")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("role")
