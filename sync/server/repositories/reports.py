"""Queries on received reports, their totals, decisions, the calendar and the dashboard."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    Subquery,
    and_,
    case,
    delete,
    distinct,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Session

from sync.server.models import (
    AuditEntry,
    Batch,
    Commune,
    Device,
    ReportDeadline,
    ReportDecision,
    ReportDocument,
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


# -- the combined table, aggregated in the database ----------------------------------------
#
# A commune's report of a period counts when its newest version (highest report_version, then
# highest id) is finalised and not returned: the statuses on time, late, approved and
# resubmitted of ``services.reports.status_of``. The checks on each commune's total are SQL
# expressions, used both to count the communes to look at per indicator and to list them.


@dataclass(frozen=True, slots=True)
class Checks:
    """The plausibility rules (``services.reports`` owns their values): the factor of each
    rate unit (a rate above it is out of range), the jump in points that flags a rate, and the
    share of last year's count that flags a count (when it also moved by more than 10)."""

    factors: dict[str, float]
    jump_points: float
    jump_ratio: float


def counted_reports(period_code: str, communes: Sequence[str] | None) -> Subquery:
    """(id, commune_code) of the version that counts for each commune, in scope."""
    rank = (
        func.row_number()
        .over(
            partition_by=UpstreamReport.commune_code,
            order_by=(UpstreamReport.report_version.desc(), UpstreamReport.id.desc()),
        )
        .label("rank")
    )
    query = select(
        UpstreamReport.id,
        UpstreamReport.commune_code,
        UpstreamReport.state,
        UpstreamReport.decision,
        rank,
    ).where(UpstreamReport.period_code == period_code)
    if communes is not None:
        query = query.where(UpstreamReport.commune_code.in_(list(communes)))
    newest = query.subquery("newest")
    return (
        select(newest.c.id, newest.c.commune_code)
        .where(
            newest.c.rank == 1,
            newest.c.state == "finalised",
            newest.c.decision != "returned",
        )
        .subquery("counted")
    )


def count_counted(session: Session, period_code: str, communes: Sequence[str] | None) -> int:
    """How many communes' reports of the period count."""
    counted = counted_reports(period_code, communes)
    return int(session.scalar(select(func.count()).select_from(counted)) or 0)


def _period_values(
    period_code: str, previous_code: str, communes: Sequence[str] | None
) -> Subquery:
    """Every total of the counted reports, with the commune's value of the previous period."""
    current = counted_reports(period_code, communes)
    before = counted_reports(previous_code, communes)
    last_year = (
        select(
            ReportValue.commune_code,
            ReportValue.indicator_code,
            func.max(ReportValue.value).label("previous"),
        )
        .join(before, ReportValue.report_id == before.c.id)
        .group_by(ReportValue.commune_code, ReportValue.indicator_code)
        .subquery("last_year")
    )
    return (
        select(
            ReportValue.report_id,
            ReportValue.commune_code,
            ReportValue.indicator_code,
            ReportValue.label,
            ReportValue.unit,
            ReportValue.value,
            ReportValue.numerator,
            ReportValue.denominator,
            ReportValue.detail,
            last_year.c.previous,
        )
        .join(current, ReportValue.report_id == current.c.id)
        .outerjoin(
            last_year,
            and_(
                last_year.c.commune_code == ReportValue.commune_code,
                last_year.c.indicator_code == ReportValue.indicator_code,
            ),
        )
        .subquery("period_values")
    )


def _checks(
    values: Subquery, checks: Checks
) -> tuple[ColumnElement[bool], ColumnElement[bool], ColumnElement[bool]]:
    """(outside the range, numerator above denominator, large jump) of each total."""
    v, n, d, p, unit = (
        values.c.value,
        values.c.numerator,
        values.c.denominator,
        values.c.previous,
        values.c.unit,
    )
    high = case(checks.factors, value=unit, else_=None)
    is_rate = unit.in_(list(checks.factors))
    change = func.abs(v - p)
    outside = and_(v.is_not(None), or_(v < 0, and_(is_rate, v > high)))
    inverted = and_(n.is_not(None), d.is_not(None), is_rate, n > d)
    jump = and_(
        v.is_not(None),
        p.is_not(None),
        or_(
            and_(is_rate, change > checks.jump_points),
            and_(
                unit == "count",
                change > 10,
                change > checks.jump_ratio * case((p > 1, p), else_=1.0),
            ),
        ),
    )
    return outside, inverted, jump


def _flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return case((condition, 1), else_=0)


def combined_totals(
    session: Session,
    period_code: str,
    previous_code: str,
    communes: Sequence[str] | None,
    *,
    checks: Checks,
) -> list[Row[Any]]:
    """One row per indicator of the period's counted reports: the sums every unit needs
    (the service picks by unit), the communes reporting and the communes failing a check."""
    values = _period_values(period_code, previous_code, communes)
    v, n, d = values.c.value, values.c.numerator, values.c.denominator
    reported = or_(v.is_not(None), n.is_not(None))
    parts = and_(n.is_not(None), d.is_not(None))
    outside, inverted, jump = _checks(values, checks)
    any_check = or_(outside, inverted, jump)
    query: Select[Any] = select(
        values.c.indicator_code,
        func.min(values.c.unit).label("unit"),
        func.min(values.c.label).label("label"),
        func.min(values.c.detail).label("detail"),
        func.sum(_flag(reported)).label("reporting"),
        func.count(case((parts, 1))).label("parts"),
        func.sum(case((parts, n))).label("numerator"),
        func.sum(case((parts, d))).label("denominator"),
        func.sum(_flag(and_(reported, func.coalesce(v, 0) > 0))).label("yes"),
        func.count(v).label("counted"),
        func.sum(v).label("total"),
        func.count(distinct(case((any_check, values.c.commune_code)))).label("flagged"),
    ).group_by(values.c.indicator_code)
    return list(session.execute(query).all())


def combined_communes(
    session: Session,
    period_code: str,
    previous_code: str,
    communes: Sequence[str] | None,
    *,
    indicator_code: str | None,
    checks: Checks,
) -> list[Row[Any]]:
    """Each commune's total of one indicator (or of all, ``indicator_code`` None), with last
    year's value and the checks it failed, by indicator then commune."""
    values = _period_values(period_code, previous_code, communes)
    outside, inverted, jump = _checks(values, checks)
    query = select(
        values.c.indicator_code,
        values.c.commune_code,
        values.c.report_id,
        values.c.unit,
        values.c.value,
        values.c.numerator,
        values.c.denominator,
        values.c.previous,
        _flag(outside).label("outside"),
        _flag(inverted).label("inverted"),
        _flag(jump).label("jump"),
    ).order_by(values.c.indicator_code, values.c.commune_code, values.c.report_id)
    if indicator_code is not None:
        query = query.where(values.c.indicator_code == indicator_code)
    return list(session.execute(query).all())


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


def document_of_report(session: Session, report_id: str) -> ReportDocument | None:
    """The PDF received for this report version (None if none yet)."""
    return session.scalars(
        select(ReportDocument)
        .where(ReportDocument.report_id == report_id)
        .order_by(ReportDocument.received_at, ReportDocument.id)
        .limit(1)
    ).first()


def document_info_of_report(session: Session, report_id: str) -> Row[str, int, str] | None:
    """File name, size and SHA-256 of the report version's PDF, without reading its bytes."""
    return session.execute(
        select(ReportDocument.file_name, ReportDocument.size_bytes, ReportDocument.sha256)
        .where(ReportDocument.report_id == report_id)
        .order_by(ReportDocument.received_at, ReportDocument.id)
        .limit(1)
    ).first()


def get_document(session: Session, document_id: str) -> ReportDocument | None:
    """The document copied from the synced record ``document_id``."""
    return session.get(ReportDocument, document_id)


def delete_document(session: Session, document_id: str) -> None:
    """Forget a document (its synced record was deleted)."""
    session.execute(delete(ReportDocument).where(ReportDocument.id == document_id))


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
