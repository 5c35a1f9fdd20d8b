"""Queries on received reports, their totals, decisions, the calendar and the dashboard."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, delete, func, select
from sqlalchemy.orm import Session

from sync.server.models import (
    AuditEntry,
    Batch,
    Commune,
    Device,
    ReportDeadline,
    ReportDecision,
    ReportValue,
    ServerSetting,
    UpstreamReport,
)


def get_report(session: Session, report_id: str) -> UpstreamReport | None:
    """The received report version with this id."""
    return session.get(UpstreamReport, report_id)


def get_report_for_update(session: Session, report_id: str) -> UpstreamReport | None:
    """The report version, row-locked (two approvers deciding at once wait their turn)."""
    return session.execute(
        select(UpstreamReport).where(UpstreamReport.id == report_id).with_for_update()
    ).scalar_one_or_none()


def reports_for_period(
    session: Session, period_code: str, communes: Sequence[str] | None
) -> list[UpstreamReport]:
    """Every version of every commune's report of a period (in scope when ``communes``)."""
    query = select(UpstreamReport).where(UpstreamReport.period_code == period_code)
    if communes is not None:
        query = query.where(UpstreamReport.commune_code.in_(list(communes)))
    return list(session.scalars(query))


def reports_of_commune(
    session: Session, commune_code: str, period_code: str
) -> list[UpstreamReport]:
    """A commune's versions of one period, oldest first."""
    return list(
        session.scalars(
            select(UpstreamReport)
            .where(
                UpstreamReport.commune_code == commune_code,
                UpstreamReport.period_code == period_code,
            )
            .order_by(UpstreamReport.report_version)
        )
    )


def period_codes(session: Session) -> list[str]:
    """Every period some commune has sent a report for."""
    return list(session.scalars(select(UpstreamReport.period_code).distinct()))


_VALUE_COLUMNS = (
    ReportValue.report_id,
    ReportValue.commune_code,
    ReportValue.indicator_code,
    ReportValue.label,
    ReportValue.status,
    ReportValue.unit,
    ReportValue.value,
    ReportValue.numerator,
    ReportValue.denominator,
)


def values_of_reports(
    session: Session, report_ids: Sequence[str], *, with_detail: bool = True
) -> list[Row[Any]]:
    """The indicator totals of these report versions, as plain rows (no ORM objects: a
    province's table is thousands of them); chunked for SQLite's parameter limit."""
    ids = list(report_ids)
    columns = (*_VALUE_COLUMNS, ReportValue.detail) if with_detail else _VALUE_COLUMNS
    out: list[Row[Any]] = []
    for start in range(0, len(ids), 900):
        out += session.execute(  # type: ignore[arg-type]
            select(*columns).where(ReportValue.report_id.in_(ids[start : start + 900]))
        ).all()
    return out


def values_by_id(session: Session, value_ids: Sequence[str]) -> dict[str, ReportValue]:
    """Stored totals among ``value_ids``."""
    ids = list(value_ids)
    out: dict[str, ReportValue] = {}
    for start in range(0, len(ids), 900):
        for row in session.scalars(
            select(ReportValue).where(ReportValue.id.in_(ids[start : start + 900]))
        ):
            out[row.id] = row
    return out


def delete_value(session: Session, value_id: str) -> None:
    """Forget a total (its snapshot row was deleted or is not a total)."""
    session.execute(delete(ReportValue).where(ReportValue.id == value_id))


def decisions_of_reports(session: Session, report_ids: Sequence[str]) -> list[ReportDecision]:
    """Decisions on these report versions, oldest first."""
    ids = list(report_ids)
    out: list[ReportDecision] = []
    for start in range(0, len(ids), 900):
        out += session.scalars(
            select(ReportDecision)
            .where(ReportDecision.report_id.in_(ids[start : start + 900]))
            .order_by(ReportDecision.id)
        )
    return out


def decisions_after(
    session: Session, commune_code: str, after: int, limit: int
) -> list[ReportDecision]:
    """A commune's decisions with an id above ``after``, in id order (what the app pulls)."""
    return list(
        session.scalars(
            select(ReportDecision)
            .where(ReportDecision.commune_code == commune_code, ReportDecision.id > after)
            .order_by(ReportDecision.id)
            .limit(limit)
        )
    )


def deadlines(session: Session) -> list[ReportDeadline]:
    """The whole reporting calendar."""
    return list(
        session.scalars(
            select(ReportDeadline).order_by(
                ReportDeadline.province_code, ReportDeadline.year, ReportDeadline.report_type
            )
        )
    )


def communes(session: Session) -> list[Commune]:
    """Communes typed in by the administrator."""
    return list(session.scalars(select(Commune).order_by(Commune.code)))


def known_commune_codes(session: Session) -> set[str]:
    """Every commune the server has heard of: typed in, or with an enrolled device."""
    codes = set(session.scalars(select(Commune.code)))
    codes |= set(session.scalars(select(Device.commune_code).distinct()))
    return codes


def last_seen_by_commune(session: Session) -> dict[str, datetime | None]:
    """The most recent contact of any of a commune's devices."""
    rows = session.execute(
        select(Device.commune_code, func.max(Device.last_seen_at)).group_by(Device.commune_code)
    ).all()
    return {code: seen for code, seen in rows}


def devices_by_commune(session: Session) -> dict[str, tuple[int, int]]:
    """Per commune: (devices, devices not revoked)."""
    out: dict[str, tuple[int, int]] = {}
    for code, revoked in session.execute(select(Device.commune_code, Device.revoked_at)).all():
        total, live = out.get(code, (0, 0))
        out[code] = (total + 1, live + (revoked is None))
    return out


def last_batch_answers(session: Session) -> dict[str, str]:
    """Per commune, the stored answer of its most recent batch."""
    latest = (
        select(Batch.commune_code, func.max(Batch.created_at).label("at"))
        .group_by(Batch.commune_code)
        .subquery()
    )
    rows = session.execute(
        select(Batch.commune_code, Batch.response).join(
            latest,
            (Batch.commune_code == latest.c.commune_code) & (Batch.created_at == latest.c.at),
        )
    ).all()
    return {code: response for code, response in rows}


def setting(session: Session, key: str) -> str | None:
    """A dashboard setting's value, if set."""
    row = session.get(ServerSetting, key)
    return row.value if row is not None else None


def audit(session: Session, limit: int) -> list[AuditEntry]:
    """The most recent audit entries, newest first."""
    return list(session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)))
