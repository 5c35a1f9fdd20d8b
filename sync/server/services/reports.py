"""Received reports: intake at push time, the reporting calendar, period status, combined
indicators, approval and return.

A commune's finalised report reaches the server as synced records: one ``periodic_reports``
row per version (state draft → reviewed → finalised; "reopened" when corrected) and one
``report_snapshot_values`` row per frozen number. At push time the server copies the report
row into ``upstream_reports``, each indicator total (dimension "") into ``report_values`` and
the version's PDF (``report_documents``, checked against its SHA-256) into ``report_documents``;
every page of the dashboard reads only those tables.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from sync import clock
from sync.protocol import DOCUMENT_TABLE, ReportDecisionsResponse, document_problem
from sync.protocol import ReportDecision as ProtocolDecision
from sync.server.models import (
    AuditEntry,
    Record,
    ReportDeadline,
    ReportDecision,
    ReportDocument,
    ReportValue,
    UpstreamReport,
)
from sync.server.models.base import utcnow
from sync.server.repositories import merges as merges_repo
from sync.server.repositories import reports as repo
from sync.server.services.errors import ErrorKind, ServiceError
from sync.server.services.users import UserInfo

REPORT_TABLE = "periodic_reports"
VALUE_TABLE = "report_snapshot_values"
_PERIOD = re.compile(r"^(\d{4})(?:-(H1|9M))?$")
TYPE_NAMES = {"H1": "6 tháng đầu năm", "9M": "9 tháng đầu năm", "Y": "năm"}
# Rates are recomputed from summed parts with the factor of their unit.
FACTORS = {"percent": 100.0, "ratio_100": 100.0, "permille": 1000.0, "per_10000": 10000.0}
UNIT_LABELS = {
    "percent": "%",
    "ratio_100": "/100",
    "permille": "‰",
    "per_10000": "/10.000",
    "count": "số",
    "yes_no": "đạt/không",
}
SILENT_DAYS = 30
# A rate moving more than this many points (or a count more than half, and by more than 10)
# from the commune's value of the same period last year is flagged for a look.
JUMP_POINTS = 20.0
JUMP_COUNT_RATIO = 0.5
CHECKS = repo.Checks(FACTORS, JUMP_POINTS, JUMP_COUNT_RATIO)

STATUS_LABELS = {
    "not_started": "Chưa bắt đầu",
    "draft": "Đang soạn",
    "on_time": "Đã gửi đúng hạn",
    "late": "Đã gửi muộn",
    "approved": "Đã duyệt",
    "returned": "Trả lại",
    "resubmitted": "Gửi lại",
}


def parse_period(code: str) -> tuple[int, str]:
    """``"2026-H1"`` → (2026, "H1"); ``"2026"`` → (2026, "Y")."""
    match = _PERIOD.fullmatch(code)
    if match is None:
        raise ServiceError(
            ErrorKind.NOT_FOUND, "period_unknown", f"Kỳ báo cáo «{code[:12]}» không đúng."
        )
    return int(match.group(1)), match.group(2) or "Y"


def period_code(year: int, report_type: str) -> str:
    """(2026, "H1") → "2026-H1"; (2026, "Y") → "2026"."""
    return str(year) if report_type == "Y" else f"{year}-{report_type}"


def previous_period(code: str) -> str:
    """The same report of the year before."""
    year, kind = parse_period(code)
    return period_code(year - 1, kind)


_PERIOD_END = {"H1": (6, 30), "9M": (9, 30), "Y": (12, 31)}


def period_end(code: str) -> date:
    """The last day a period's report covers: "2026-H1" → 30/06/2026."""
    year, kind = parse_period(code)
    month, day = _PERIOD_END[kind]
    return date(year, month, day)


def period_label(code: str) -> str:
    """ "2026-H1" → "6 tháng đầu năm 2026"."""
    year, kind = parse_period(code)
    return f"Báo cáo {TYPE_NAMES[kind]} {year}"


# -- intake ---------------------------------------------------------------------------------


def _aware(text: Any) -> datetime | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=clock.VIETNAM)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def due_date(session: Session, code: str, province_code: str = "") -> date:
    """The deadline of a period: the most specific calendar line (province and year) wins."""
    year, kind = parse_period(code)
    best: tuple[int, ReportDeadline] | None = None
    for line in repo.deadlines(session):
        if line.report_type != kind or line.province_code not in ("", province_code):
            continue
        if line.year not in (0, year):
            continue
        rank = (line.province_code != "") * 2 + (line.year != 0)
        if best is None or rank > best[0]:
            best = (rank, line)
    if best is None:
        day, month = {"H1": (10, 5), "9M": (15, 9), "Y": (10, 11)}[kind]
    else:
        day, month = best[1].due_day, best[1].due_month
    return date(year, month, day)


def _province_of(session: Session, commune_code: str) -> str:
    from sync.server.models import Commune

    row = session.get(Commune, commune_code)
    return row.province_code if row is not None else ""


def ingest(session: Session, records: Iterable[Record], now: datetime) -> None:
    """Copy applied report rows and snapshot totals into the dashboard's tables.

    Called inside the push transaction with the rows it just applied. An approved version is
    locked: later changes to its rows do not alter what was approved.
    """
    reports = [r for r in records if r.table_name == REPORT_TABLE]
    values = [r for r in records if r.table_name == VALUE_TABLE]
    for record in reports:
        _ingest_report(session, record, now)
    if values:
        _ingest_values(session, values)
    for record in records:
        if record.table_name == DOCUMENT_TABLE:
            _ingest_document(session, record, now)


def _ingest_document(session: Session, record: Record, now: datetime) -> None:
    data = record.data
    report_id = str(data.get("report_id") or "")[:36]
    report = repo.get_report(session, report_id)
    if report is not None and report.commune_code != record.commune_code:
        return  # not this commune's report
    row = repo.get_document(session, record.record_id)
    if row is not None and row.commune_code != record.commune_code:
        return
    # Locked with its numbers; only a first document (a version approved before the app kept
    # documents, push._approved_refusal lets it in) is added.
    if (
        report is not None
        and report.decision == "approved"
        and (row is not None or repo.document_of_report(session, report_id) is not None)
    ):
        return
    if record.deleted:
        if row is not None:
            repo.delete_document(session, record.record_id)
        return
    # The protocol refused a file that does not match its SHA-256; checked again here because
    # this copy is what approvers download.
    if document_problem(dict(data)) is not None:
        return
    content = base64.b64decode(str(data["content_base64"]))
    if row is None:
        row = ReportDocument(id=record.record_id)
        session.add(row)
    row.report_id = report_id
    row.commune_code = record.commune_code
    row.file_name = str(data.get("file_name"))
    row.size_bytes = len(content)
    row.sha256 = hashlib.sha256(content).hexdigest()
    row.content = content
    row.received_at = now


def _ingest_report(session: Session, record: Record, now: datetime) -> None:
    data = record.data
    code = data.get("period_code")
    if not isinstance(code, str) or _PERIOD.fullmatch(code) is None:
        return
    row = repo.get_report(session, record.record_id)
    state = str(data.get("state") or "draft")[:12]
    if record.deleted:
        state = "reopened"
    version = data.get("report_version")
    if row is None:
        row = UpstreamReport(
            id=record.record_id,
            commune_code=record.commune_code,
            period_code=code,
            report_version=version if isinstance(version, int) else 1,
            state=state,
            first_seen_at=now,
            decision="",
        )
        session.add(row)
    elif row.commune_code != record.commune_code:
        return  # another commune's report: a device never changes what is not its own
    elif row.decision == "approved":
        return  # locked
    else:
        row.state = state
    row.finalised_at = _aware(data.get("finalised_at"))
    if state == "finalised" and row.submitted_at is None:
        row.submitted_at = now
        due = due_date(session, code, _province_of(session, record.commune_code))
        row.on_time = clock.to_local(now).date() <= due


def _ingest_values(session: Session, values: list[Record]) -> None:
    known = repo.values_by_id(session, [r.record_id for r in values])
    locked: dict[str, bool] = {}
    for record in values:
        data = record.data
        report_id = str(data.get("report_id") or "")
        if report_id not in locked:
            report = repo.get_report(session, report_id)
            locked[report_id] = report is not None and report.decision == "approved"
        if locked[report_id]:
            continue
        total = not data.get("dimension")
        row = known.get(record.record_id)
        if record.deleted or not total:
            if row is not None:
                repo.delete_value(session, record.record_id)
            continue
        if row is None:
            row = ReportValue(id=record.record_id)
            session.add(row)
        row.report_id = report_id[:36]
        row.commune_code = record.commune_code
        row.indicator_code = str(data.get("indicator_code") or "")[:16]
        row.label = str(data.get("label") or "")[:300]
        row.status = str(data.get("status") or "")[:10]
        row.unit = str(data.get("unit") or "")[:12]
        row.value = _number(data.get("value"))
        row.numerator = _number(data.get("numerator"))
        row.denominator = _number(data.get("denominator"))
        row.detail = str(data.get("detail") or "")


# -- period overview ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CommuneStatus:
    """One commune's report of one period, as the overview shows it."""

    commune_code: str
    commune_name: str
    status: str
    status_label: str
    report_id: str | None
    version: int | None
    submitted_at: datetime | None
    on_time: bool | None
    last_seen_at: datetime | None
    silent: bool


@dataclass(frozen=True, slots=True)
class PeriodOverview:
    """Every commune in scope for one period, with the reporting and on-time rates."""

    period_code: str
    label: str
    due: date
    rows: tuple[CommuneStatus, ...]
    expected: int
    received: int
    on_time: int
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def reporting_rate(self) -> float | None:
        """Reports received over reports expected, in percent."""
        return 100.0 * self.received / self.expected if self.expected else None

    @property
    def on_time_rate(self) -> float | None:
        """Reports received by the deadline over reports expected, in percent."""
        return 100.0 * self.on_time / self.expected if self.expected else None


def status_of(versions: Sequence[UpstreamReport]) -> tuple[str, UpstreamReport | None]:
    """The status of a commune's report of a period, and the version it is about."""
    if not versions:
        return "not_started", None
    ordered = sorted(versions, key=lambda r: (r.report_version, r.id))
    current = ordered[-1]
    was_returned = any(r.decision == "returned" for r in ordered)
    if current.state == "finalised":
        if current.decision == "approved":
            return "approved", current
        if current.decision == "returned":
            return "returned", current
        if was_returned:
            return "resubmitted", current
        return ("on_time" if current.on_time else "late"), current
    if was_returned:
        returned = [r for r in ordered if r.decision == "returned"][-1]
        return "returned", returned
    return "draft", current


def scope_codes(session: Session, user: UserInfo) -> list[str]:
    """The communes ``user`` may see, known to the server."""
    codes = repo.known_commune_codes(session)
    if user.communes is not None:
        codes = set(user.communes)
    return sorted(codes)


def overview(
    sessions: sessionmaker[Session], user: UserInfo, code: str, *, now: datetime | None = None
) -> PeriodOverview:
    """The status of every in-scope commune's report of period ``code``."""
    parse_period(code)
    now = now or utcnow()
    with sessions() as session:
        codes = scope_codes(session, user)
        names = {c.code: c.name for c in repo.communes(session)}
        by_commune: dict[str, list[UpstreamReport]] = {}
        for found in repo.reports_for_period(
            session, code, None if user.communes is None else codes
        ):
            by_commune.setdefault(found.commune_code, []).append(found)
        codes = sorted(set(codes) | (set(by_commune) if user.communes is None else set()))
        # A former commune merged before the period ended reports no more (its new commune
        # does); one that sent this period's report anyway stays listed with it.
        end = period_end(code)
        gone = {m.former_code for m in merges_repo.all_merges(session) if m.merged_on <= end}
        codes = [c for c in codes if c not in gone or c in by_commune]
        seen = repo.last_seen_by_commune(session)
        due = due_date(session, code)
    rows = []
    counts: dict[str, int] = {}
    for commune in codes:
        status, report = status_of(by_commune.get(commune, []))
        counts[status] = counts.get(status, 0) + 1
        last = seen.get(commune)
        rows.append(
            CommuneStatus(
                commune_code=commune,
                commune_name=names.get(commune, ""),
                status=status,
                status_label=STATUS_LABELS[status],
                report_id=report.id if report else None,
                version=report.report_version if report else None,
                submitted_at=report.submitted_at if report else None,
                on_time=report.on_time if report else None,
                last_seen_at=last,
                silent=last is None or now - last > timedelta(days=SILENT_DAYS),
            )
        )
    received = sum(1 for r in rows if r.status in ("on_time", "late", "approved", "resubmitted"))
    on_time = sum(
        1 for r in rows if r.status in ("on_time", "approved", "resubmitted") and r.on_time
    )
    return PeriodOverview(
        period_code=code,
        label=period_label(code),
        due=due,
        rows=tuple(rows),
        expected=len(rows),
        received=received,
        on_time=on_time,
        counts=counts,
    )


def periods(sessions: sessionmaker[Session], *, today: date | None = None) -> list[str]:
    """Periods to offer: those with reports, and this year's and last year's."""
    today = today or clock.today()
    with sessions() as session:
        found = set(repo.period_codes(session))
    for year in (today.year - 1, today.year):
        for kind in ("H1", "9M", "Y"):
            found.add(period_code(year, kind))
    order = {"H1": 0, "9M": 1, "Y": 2}
    return sorted(
        found, key=lambda c: (parse_period(c)[0], order[parse_period(c)[1]]), reverse=True
    )


# -- combined indicators --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CommuneValue:
    """One commune's total of one indicator, with the checks it failed."""

    commune_code: str
    commune_name: str
    report_id: str
    value: float | None
    numerator: float | None
    denominator: float | None
    previous: float | None
    flags: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CombinedIndicator:
    """An indicator over the communes in scope: counts summed, rates from summed parts."""

    code: str
    label: str
    name: str
    unit: str
    unit_label: str
    value: float | None
    numerator: float | None
    denominator: float | None
    reporting: int
    flagged: int  # communes whose value failed a check
    targets: tuple[str, ...]
    # Each commune's value: filled only when asked for (drill-down, export).
    communes: tuple[CommuneValue, ...]


@dataclass(frozen=True, slots=True)
class Combined:
    """The combined table of a period."""

    period_code: str
    label: str
    communes: int
    indicators: tuple[CombinedIndicator, ...]


def _flags(unit: str, row: Any) -> tuple[str, ...]:
    """The Vietnamese names of the checks a commune's total failed (decided in SQL)."""
    flags = []
    if row.outside:
        high = FACTORS.get(unit)
        flags.append(f"ngoài khoảng 0–{high:g}" if high is not None else "số âm")
    if row.inverted:
        flags.append("tử số lớn hơn mẫu số")
    if row.jump:
        flags.append(f"thay đổi lớn so với cùng kỳ năm trước ({row.previous:g} → {row.value:g})")
    return tuple(flags)


def _detail(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def combined(
    sessions: sessionmaker[Session],
    user: UserInfo,
    code: str,
    *,
    drill: str | None = None,
    every_commune: bool = False,
) -> Combined:
    """Every indicator of period ``code`` over the in-scope communes that reported it; each
    commune's value for indicator ``drill`` (or for all, ``every_commune``).

    The database sums: one row per indicator comes back (``repo.combined_totals``), whatever
    the number of communes; the per-commune rows are read only for the drill-down and export.
    """
    parse_period(code)
    before = previous_period(code)
    with sessions() as session:
        scope = None if user.communes is None else list(user.communes)
        totals = repo.combined_totals(session, code, before, scope, checks=CHECKS)
        counted = repo.count_counted(session, code, scope)
        per: dict[str, list[CommuneValue]] = {}
        if totals and (every_commune or drill):
            names = {c.code: c.name for c in repo.communes(session)}
            for row in repo.combined_communes(
                session,
                code,
                before,
                scope,
                indicator_code=None if every_commune else drill,
                checks=CHECKS,
            ):
                per.setdefault(row.indicator_code, []).append(
                    CommuneValue(
                        commune_code=row.commune_code,
                        commune_name=names.get(row.commune_code, ""),
                        report_id=row.report_id,
                        value=row.value,
                        numerator=row.numerator,
                        denominator=row.denominator,
                        previous=row.previous,
                        flags=_flags(row.unit, row),
                    )
                )
    out = [
        _combine(row, tuple(per.get(row.indicator_code, ())))
        for row in sorted(totals, key=lambda r: _indicator_order(r.indicator_code))
    ]
    return Combined(code, period_label(code), counted, tuple(out))


def _indicator_order(code: str) -> tuple[int, str]:
    digits = re.match(r"^[A-Z]*(\d+)", code)
    return (int(digits.group(1)) if digits else 10_000, code)


def _combine(row: Any, per: tuple[CommuneValue, ...]) -> CombinedIndicator:
    """An indicator's combined value from the sums of ``repo.combined_totals``: a rate from
    the summed numerators and denominators, yes/no as the share of communes answering yes, a
    count as the sum."""
    unit = row.unit
    detail = _detail(row.detail)
    numerator = denominator = value = None
    if unit in FACTORS:
        if row.parts:
            numerator, denominator = float(row.numerator), float(row.denominator)
            value = FACTORS[unit] * numerator / denominator if denominator else None
    elif unit == "yes_no":
        numerator, denominator = float(row.yes), float(row.reporting)
        value = 100.0 * numerator / denominator if denominator else None
    elif row.counted:
        value = float(row.total)
    levels = {"national": "quốc gia", "provincial": "tỉnh"}
    targets = tuple(
        f"{t[2]} ({levels.get(t[0], t[0])}, {t[1]})"
        for t in detail.get("targets", [])
        if isinstance(t, list) and len(t) == 3 and t[0] != "commune"
    )
    return CombinedIndicator(
        code=row.indicator_code,
        label=row.label,
        name=str(detail.get("definition") or "")[:300],
        unit=unit,
        unit_label="%" if unit == "yes_no" else UNIT_LABELS.get(unit, unit),
        value=value,
        numerator=numerator,
        denominator=denominator,
        reporting=int(row.reporting),
        flagged=int(row.flagged),
        targets=targets,
        communes=per,
    )


# -- one report, decisions ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DecisionInfo:
    """A decision as shown in a report's history and sent to the commune."""

    id: int
    report_id: str
    commune_code: str
    period_code: str
    report_version: int
    decision: str
    comment: str
    decided_by: str
    decided_at: datetime


@dataclass(frozen=True, slots=True)
class ValueRow:
    """One frozen indicator total of a report."""

    indicator_code: str
    label: str
    status: str
    unit: str
    value: float | None
    numerator: float | None
    denominator: float | None


@dataclass(frozen=True, slots=True)
class DocumentRow:
    """The PDF of a report version: what the report page says of it before a download."""

    file_name: str
    size_bytes: int
    sha256: str

    @property
    def size_vi(self) -> str:
        """The size as a person reads it (e.g. "215 KB")."""
        return f"{max(1, round(self.size_bytes / 1024)):,} KB".replace(",", ".")


@dataclass(frozen=True, slots=True)
class DocumentFile:
    """A report version's PDF, as downloaded."""

    file_name: str
    content: bytes


@dataclass(frozen=True, slots=True)
class ReportView:
    """One report version with its totals and the period's whole history."""

    id: str
    commune_code: str
    commune_name: str
    period_code: str
    label: str
    version: int
    state: str
    status: str
    status_label: str
    submitted_at: datetime | None
    on_time: bool | None
    due: date
    decision: str
    values: tuple[ValueRow, ...]
    history: tuple[tuple[str, datetime | None, str], ...]
    decidable: bool
    document: DocumentRow | None = None


def _decision_info(d: ReportDecision) -> DecisionInfo:
    return DecisionInfo(
        id=d.id,
        report_id=d.report_id,
        commune_code=d.commune_code,
        period_code=d.period_code,
        report_version=d.report_version,
        decision=d.decision,
        comment=d.comment,
        decided_by=d.decided_by,
        decided_at=d.decided_at,
    )


def _not_found(report_id: str) -> ServiceError:
    return ServiceError(
        ErrorKind.NOT_FOUND, "report_not_found", f"Không có báo cáo {report_id[:36]}."
    )


def report_view(sessions: sessionmaker[Session], user: UserInfo, report_id: str) -> ReportView:
    """A report version in ``user``'s scope (NOT_FOUND otherwise, even if it exists)."""
    from sync.server.models import Commune

    with sessions() as session:
        report = repo.get_report(session, report_id)
        if report is None or not user.may_act_for(report.commune_code):
            raise _not_found(report_id)
        versions = repo.reports_of_commune(session, report.commune_code, report.period_code)
        decisions = repo.decisions_of_reports(session, [v.id for v in versions])
        values = tuple(
            ValueRow(
                v.indicator_code, v.label, v.status, v.unit, v.value, v.numerator, v.denominator
            )
            for v in sorted(
                repo.values_of_reports(session, [report.id]),
                key=lambda v: _indicator_order(v.indicator_code),
            )
        )
        commune = session.get(Commune, report.commune_code)
        due = due_date(session, report.period_code, commune.province_code if commune else "")
        found = repo.document_info_of_report(session, report.id)
        document = None
        if found is not None:
            name, size, digest = found
            document = DocumentRow(name, size, digest)
    status, _ = status_of(versions)
    history: list[tuple[str, datetime | None, str]] = []
    for v in versions:
        if v.submitted_at is not None:
            when = "đúng hạn" if v.on_time else "muộn"
            history.append((f"Xã gửi phiên bản {v.report_version} ({when})", v.submitted_at, ""))
    for d in decisions:
        verb = "Duyệt" if d.decision == "approved" else "Trả lại"
        history.append(
            (f"{verb} phiên bản {d.report_version} — {d.decided_by}", d.decided_at, d.comment)
        )
    history.sort(key=lambda h: h[1] or datetime.min.replace(tzinfo=clock.VIETNAM))
    latest = max(versions, key=lambda r: r.report_version)
    return ReportView(
        id=report.id,
        commune_code=report.commune_code,
        commune_name=commune.name if commune else "",
        period_code=report.period_code,
        label=period_label(report.period_code),
        version=report.report_version,
        state=report.state,
        status=status,
        status_label=STATUS_LABELS[status],
        submitted_at=report.submitted_at,
        on_time=report.on_time,
        due=due,
        decision=report.decision,
        values=values,
        history=tuple(history),
        decidable=report.state == "finalised" and report.decision == "" and latest.id == report.id,
        document=document,
    )


def report_document(
    sessions: sessionmaker[Session],
    user: UserInfo,
    report_id: str,
    *,
    now: datetime | None = None,
) -> DocumentFile:
    """The PDF of a report version in ``user``'s scope, the download kept in the audit trail
    (NOT_FOUND outside the scope, as for the report page, or when no PDF has arrived)."""
    now = now or utcnow()
    with sessions.begin() as session:
        report = repo.get_report(session, report_id)
        if report is None or not user.may_act_for(report.commune_code):
            raise _not_found(report_id)
        doc = repo.document_of_report(session, report.id)
        if doc is None or doc.commune_code != report.commune_code:
            raise ServiceError(
                ErrorKind.NOT_FOUND,
                "document_not_found",
                f"Chưa nhận được văn bản (PDF) của báo cáo này: xã "
                f"{report.commune_code} cần đồng bộ lại sau khi chốt số liệu.",
            )
        session.add(
            AuditEntry(
                at=now,
                username=user.username,
                action="report_document_downloaded",
                target=f"{report.commune_code}/{report.period_code}/v{report.report_version}",
                detail=f"{doc.file_name} ({doc.size_bytes} byte, SHA-256 {doc.sha256})",
            )
        )
        return DocumentFile(doc.file_name, bytes(doc.content))


def decide(
    sessions: sessionmaker[Session],
    user: UserInfo,
    report_id: str,
    *,
    decision: str,
    comment: str,
    now: datetime | None = None,
) -> DecisionInfo:
    """Approve (locks it) or return (with a comment) a submitted report version."""
    if decision not in ("approved", "returned"):
        raise ServiceError(ErrorKind.INVALID, "invalid_decision", "Quyết định không hợp lệ.")
    text = comment.strip()
    if decision == "returned" and len(text) < 5:
        raise ServiceError(
            ErrorKind.INVALID,
            "comment_required",
            "Khi trả lại báo cáo, hãy ghi rõ lý do (ít nhất 5 ký tự) để xã biết cần sửa gì.",
        )
    if len(text) > 4000:
        raise ServiceError(ErrorKind.INVALID, "comment_too_long", "Nhận xét dài quá 4000 ký tự.")
    now = now or utcnow()
    with sessions.begin() as session:
        report = repo.get_report_for_update(session, report_id)
        if report is None or not user.may_act_for(report.commune_code):
            raise _not_found(report_id)
        if user.role not in ("approver", "administrator"):
            raise ServiceError(
                ErrorKind.FORBIDDEN, "not_approver", "Tài khoản này chỉ được xem, không được duyệt."
            )
        if report.state != "finalised" or report.decision:
            raise ServiceError(
                ErrorKind.CONFLICT,
                "report_not_pending",
                "Báo cáo này không còn chờ duyệt (đã có quyết định hoặc xã đã mở lại).",
            )
        newer = [
            r
            for r in repo.reports_of_commune(session, report.commune_code, report.period_code)
            if r.report_version > report.report_version
        ]
        if newer:
            raise ServiceError(
                ErrorKind.CONFLICT, "report_superseded", "Xã đã gửi phiên bản mới hơn."
            )
        report.decision = decision
        report.decided_at = now
        row = ReportDecision(
            report_id=report.id,
            commune_code=report.commune_code,
            period_code=report.period_code,
            report_version=report.report_version,
            decision=decision,
            comment=text,
            user_id=user.id,
            decided_by=f"{user.full_name} ({user.username})"[:200],
            decided_at=now,
        )
        session.add(row)
        session.add(
            AuditEntry(
                at=now,
                username=user.username,
                action=f"report_{decision}",
                target=f"{report.commune_code}/{report.period_code}/v{report.report_version}",
                detail=text,
            )
        )
        session.flush()
        return _decision_info(row)


def decisions_for_commune(
    sessions: sessionmaker[Session], commune_code: str, *, after: int = 0, limit: int = 500
) -> list[DecisionInfo]:
    """The decisions on a commune's reports with an id above ``after`` (what its app pulls)."""
    with sessions() as session:
        return [
            _decision_info(d) for d in repo.decisions_after(session, commune_code, after, limit)
        ]


def decisions_message(found: Sequence[DecisionInfo], after: int) -> ReportDecisionsResponse:
    """The protocol answer for decisions ``found`` after cursor ``after`` (API, answer file)."""
    return ReportDecisionsResponse(
        decisions=[
            ProtocolDecision(
                id=d.id,
                report_id=d.report_id,
                period_code=d.period_code,
                report_version=d.report_version,
                decision="approved" if d.decision == "approved" else "returned",
                comment=d.comment,
                decided_by=d.decided_by,
                decided_at=d.decided_at,
            )
            for d in found
        ],
        next_after=found[-1].id if found else after,
    )


def new_id() -> str:
    """A fresh id (tests and tools that build report rows)."""
    return str(uuid.uuid4())
