"""Upstream reporting: received reports, their frozen totals, decisions, the calendar, the
dashboard's communes, settings, sessions and audit trail.

Reports arrive as synced records (tables ``periodic_reports``, ``report_snapshot_values`` and
``report_documents``) and are copied here at push time, so the dashboard aggregates small
per-report rows and serves each version's PDF, never the communes' child records.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sync.server.models.base import Base, UtcDateTime


class Commune(Base):
    """A commune the upstream office oversees (name and type are typed by its administrator)."""

    __tablename__ = "communes"

    code: Mapped[str] = mapped_column(String(5), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # The child-friendly commune type (thresholds differ): "urban", "rural", "mountain"…
    commune_type: Mapped[str] = mapped_column(String(24))
    province_code: Mapped[str] = mapped_column(String(2))


class UpstreamReport(Base):
    """One version of one commune's periodic report, as the server last received it."""

    __tablename__ = "upstream_reports"
    __table_args__ = (
        Index("ix_upstream_reports_period_code_commune_code", "period_code", "commune_code"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the commune's record id
    commune_code: Mapped[str] = mapped_column(String(5))
    period_code: Mapped[str] = mapped_column(String(10))
    report_version: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(
        String(12)
    )  # the commune's: draft|reviewed|finalised|reopened
    finalised_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    first_seen_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # When the server first received it finalised: the arrival judged against the calendar.
    submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    on_time: Mapped[bool | None] = mapped_column(Boolean)
    # The upstream decision on this version: "" (none yet), "approved", "returned".
    decision: Mapped[str] = mapped_column(String(10))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class ReportValue(Base):
    """One indicator total of one report version (the snapshot row with no dimension)."""

    __tablename__ = "report_values"
    __table_args__ = (Index("ix_report_values_report_id", "report_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the snapshot row's id
    report_id: Mapped[str] = mapped_column(String(36))
    commune_code: Mapped[str] = mapped_column(String(5))
    indicator_code: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(10))
    unit: Mapped[str] = mapped_column(String(12))
    value: Mapped[float | None] = mapped_column(Float)
    numerator: Mapped[float | None] = mapped_column(Float)
    denominator: Mapped[float | None] = mapped_column(Float)
    detail: Mapped[str] = mapped_column(Text)


class ReportDocument(Base):
    """The official PDF of one report version, as the commune finalised and printed it.

    A copy of the synced record's file (checked against its SHA-256 on arrival) as bytes, so a
    download reads one row; an approved version's document is locked like its numbers."""

    __tablename__ = "report_documents"
    __table_args__ = (Index("ix_report_documents_report_id", "report_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the commune's record id
    report_id: Mapped[str] = mapped_column(String(36))
    commune_code: Mapped[str] = mapped_column(String(5))
    file_name: Mapped[str] = mapped_column(String(124))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ReportDecision(Base):
    """An approval or a return, with its comment, by whom and when (never edited)."""

    __tablename__ = "report_decisions"
    __table_args__ = (Index("ix_report_decisions_commune_code_id", "commune_code", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("upstream_reports.id"))
    commune_code: Mapped[str] = mapped_column(String(5))
    period_code: Mapped[str] = mapped_column(String(10))
    report_version: Mapped[int] = mapped_column(Integer)
    decision: Mapped[str] = mapped_column(String(10))
    comment: Mapped[str] = mapped_column(Text)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    decided_by: Mapped[str] = mapped_column(String(200))
    decided_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ReportDeadline(Base):
    """A deadline of the reporting calendar: province "" and year 0 mean "every"."""

    __tablename__ = "report_deadlines"

    province_code: Mapped[str] = mapped_column(String(2), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_type: Mapped[str] = mapped_column(String(4), primary_key=True)  # H1 | 9M | Y
    due_day: Mapped[int] = mapped_column(Integer)
    due_month: Mapped[int] = mapped_column(Integer)


class ServerSetting(Base):
    """A setting the administrator changes on the dashboard (e.g. the upstream tier's name)."""

    __tablename__ = "server_settings"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class WebSession(Base):
    """A signed-in dashboard session; the cookie's secret is kept only as a SHA-256 hash."""

    __tablename__ = "web_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())


class LoginFailure(Base):
    """A refused sign-in, for rate limiting (by user name and by address)."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_username_at", "username", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime())


class AuditEntry(Base):
    """Who did what on the dashboard, and when: decisions and every administrative change."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    username: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str] = mapped_column(String(200))
    detail: Mapped[str] = mapped_column(Text)
