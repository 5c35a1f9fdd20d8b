"""Indicators, targets, typed figures, the reporting calendar and the periodic report's life.

``IndicatorService`` is the one entry point for the screens and the CLI. It returns frozen
dataclasses only. Typical use::

    service = IndicatorService(book)
    report = service.compute("2026-H1")              # every indicator, with its cells
    rows = service.drill_down("2026-H1", "CT14", "sex", "2", part="numerator")
    service.save_figures("2026-H1", "HEALTH", [FigureEntry("CT05a", 98, 100)])
    service.finalise("2026-H1")                      # freezes a snapshot (syncs upstream)
    service.due_items(today)                         # home screen: due soon / late / done

Periods are written ``2026-H1`` (6 months), ``2026-9M`` (9 months) and ``2026`` (the year);
their dates come from the reporting calendar (``resources/indicators/calendar.csv``, overridden
per year in the book by the administrator).
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from desktop.core.domain.dates import format_vn_date
from desktop.core.domain.errors import FieldProblem, ValidationError
from desktop.core.domain.permissions import Action
from desktop.core.domain.text import clean_text, nfc
from desktop.core.indicators import definitions as defs
from desktop.core.indicators.engine import (
    STATUS_COMPUTED,
    Cell,
    Computed,
    IndicatorResult,
    Labels,
    TypedFigure,
    cell_sort_key,
    compute_all,
    rate,
)
from desktop.core.indicators.frozen import FORMAT as FROZEN_FORMAT
from desktop.core.indicators.frozen import FrozenMembersError, freeze_members, thaw_members
from desktop.core.indicators.measures import Period
from desktop.core.memory import collector_paused
from desktop.core.reports.collection_sheet import (
    SheetLine,
    read_collection_sheet,
    write_collection_sheet,
)
from desktop.core.reports.document import DocumentHeader
from desktop.core.reports.formatting import vn_int
from desktop.core.reports.indicators_report import (
    ReportContent,
    indicator_pdf_bytes,
    render_indicator_pdf,
    render_indicator_xlsx,
)
from desktop.core.reports.protect import ExportProtection
from desktop.core.services import access, codes
from desktop.core.services.book import Book
from desktop.core.services.children import ChildListRow
from desktop.core.services.former_communes import FormerCommune
from desktop.core.services.protection.home import REPORTS_DUE, ReportDue
from desktop.core.services.reports import ReportService
from desktop.core.storage.models import (
    Hamlet,
    IndicatorTarget,
    IndicatorValue,
    PeriodicReport,
    ReportCalendarEntry,
    ReportDocument,
    ReportSnapshotMembers,
    ReportSnapshotValue,
)
from desktop.core.storage.repositories import decisions as decisions_repo
from desktop.core.storage.repositories import indicators as repo
from sync import clock
from sync.protocol import MAX_STRING_LENGTH

__all__ = [
    "DecisionView",
    "DocumentInfo",
    "DrillList",
    "DueItem",
    "FigureCheck",
    "FigureEntry",
    "IndicatorReport",
    "IndicatorService",
    "ReportState",
    "TargetSetting",
    "UnitFormRow",
    "calendar_problems",
    "parse_period",
]

_PERIOD = re.compile(r"^(\d{4})(?:-(H1|9M))?$")
TYPE_NAMES = {"H1": "6 tháng đầu năm", "9M": "9 tháng đầu năm", "Y": "năm"}
STATES = {
    "draft": "Bản nháp",
    "reviewed": "Đã rà soát",
    "finalised": "Đã chốt số liệu",
    "reopened": "Đã mở lại (bản cũ)",
}
TARGET_LEVELS = ("national", "provincial", "commune")
TARGET_YEARS = (2025, 2030)  # the milestones of the programme (QĐ 23/QĐ-TTg, seed 003)
LARGE_CHANGE = 0.5  # a typed value 50 % above or below last period's is questioned
DUE_SOON_DAYS = 14
RECENT_DECISION_DAYS = 30  # an upstream decision stays on the home screen this long
SENSITIVE_DIMENSIONS = ("special_group", "abuse_form", "injury_cause", "support_type")
SENSITIVE_MEASURES = ("special_circumstances", "special_supported", "abused_children")


def parse_period(code: str) -> tuple[int, str]:
    """``"2026-H1"`` → (2026, "H1"); ``"2026"`` → (2026, "Y"); ValidationError otherwise."""
    match = _PERIOD.match((code or "").strip())
    if match is None:
        raise ValidationError(
            FieldProblem(
                "period",
                f"Kỳ báo cáo «{code}» không đúng. Viết 2026-H1 (6 tháng), 2026-9M (9 tháng) "
                "hoặc 2026 (cả năm).",
            )
        )
    return int(match.group(1)), match.group(2) or "Y"


def period_code(year: int, report_type: str) -> str:
    """(2026, "H1") → "2026-H1"; (2026, "Y") → "2026"."""
    return str(year) if report_type == "Y" else f"{year}-{report_type}"


def calendar_problems(
    year: int, *, start: date, end: date, reference: date, due: date
) -> list[FieldProblem]:
    """What is wrong with one report's dates on the calendar of ``year`` ([] when nothing)."""
    problems = []
    if end < start:
        problems.append(
            FieldProblem(
                "period_end",
                f"Ngày kết thúc kỳ ({format_vn_date(end)}) ở trước ngày bắt đầu "
                f"({format_vn_date(start)}).",
            )
        )
    elif end.year != year:
        problems.append(
            FieldProblem("period_end", f"Kỳ báo cáo năm {year} phải kết thúc trong năm {year}.")
        )
    if reference < start:
        problems.append(
            FieldProblem(
                "reference_date",
                f"Ngày tính số liệu ({format_vn_date(reference)}) ở trước ngày bắt đầu kỳ "
                f"({format_vn_date(start)}).",
            )
        )
    elif start <= end < reference:
        problems.append(
            FieldProblem(
                "reference_date",
                f"Ngày tính số liệu ({format_vn_date(reference)}) ở sau ngày kết thúc kỳ "
                f"({format_vn_date(end)}).",
            )
        )
    if due < reference:
        problems.append(
            FieldProblem(
                "due_date",
                f"Hạn gửi ({format_vn_date(due)}) ở trước ngày tính số liệu "
                f"({format_vn_date(reference)}).",
            )
        )
    return problems


def previous_period_code(code: str) -> str:
    """The same kind of report one year earlier (the comparison in the annex)."""
    year, kind = parse_period(code)
    return period_code(year - 1, kind)


@dataclass(frozen=True)
class TargetSetting:
    """One target as the administrator edits it: the text in force and the default beside."""

    code: str
    level: str
    year: int
    text: str  # in force ("" = no target)
    default: str  # from targets.csv ("" = none)
    source: str  # of the default ("QĐ 23/QĐ-TTg" …)
    overridden: bool  # the administrator's text is in force


@dataclass(frozen=True)
class CalendarDates:
    """A period's dates on the calendar in force."""

    code: str
    name_vi: str
    start: date
    end: date
    reference: date
    due: date
    recipient: str


DECISION_NAMES = {"approved": "Đã được duyệt", "returned": "Bị trả lại"}


@dataclass(frozen=True)
class DecisionView:
    """Upstream's approval or return of one version of a period's report."""

    period_code: str
    report_id: str
    report_version: int
    decision: str  # approved | returned
    comment: str
    decided_by: str
    decided_at: datetime
    # A return whose version is still the current one: the commune has to correct it.
    to_correct: bool = False

    @property
    def decision_vi(self) -> str:
        """ "Đã được duyệt" / "Bị trả lại"."""
        return DECISION_NAMES.get(self.decision, self.decision)

    @property
    def decided_on(self) -> date:
        """The day of the decision on Vietnam's clock."""
        return clock.to_local(self.decided_at).date()

    @property
    def text_vi(self) -> str:
        """ "Báo cáo 6 tháng đầu năm 2026 đã được duyệt ngày 20/07/2026" / "… bị trả lại: …"."""
        name = f"Báo cáo {period_label(self.period_code)} (phiên bản {self.report_version})"
        if self.decision == "approved":
            return f"{name} đã được duyệt ngày {format_vn_date(self.decided_on)}"
        return (
            f"{name} bị trả lại ngày {format_vn_date(self.decided_on)}: "
            f"{self.comment or '(không có nhận xét)'}"
        )


@dataclass(frozen=True)
class HistoryLine:
    """One event of a period's report: a version finalised, reopened, approved or returned."""

    at: datetime
    text: str
    comment: str = ""
    kind: str = "finalised"  # finalised | reopened | decision


@dataclass(frozen=True)
class ReportState:
    """Where the period's report stands."""

    report_id: str | None
    version: int
    state: str  # draft | reviewed | finalised
    state_vi: str
    finalised_at: datetime | None
    finalised_by: str
    # Children whose record changed after the numbers were frozen (0 when not finalised).
    changed_children: int = 0
    changed_indicators: tuple[str, ...] = ()
    earlier_versions: tuple[int, ...] = ()
    # Upstream's last decision on this version (None: none received yet).
    decision: DecisionView | None = None
    # Every version's finalising and every upstream decision of the period, oldest first.
    history: tuple[HistoryLine, ...] = ()

    @property
    def approved(self) -> bool:
        """Upstream approved this version: it is locked (no reopening, no correcting)."""
        return self.decision is not None and self.decision.decision == "approved"

    @property
    def locked_vi(self) -> str:
        """Why this version cannot be reopened any more ("" when it can)."""
        if not self.approved or self.decision is None:
            return ""
        return (
            f"Báo cáo đã được cấp trên duyệt ngày {format_vn_date(self.decision.decided_on)}; "
            "báo cáo đã duyệt không mở lại hay sửa được nữa."
        )

    @property
    def change_flag_vi(self) -> str:
        """ "sổ đã thay đổi sau khi chốt: 3 trẻ", or "" when nothing changed."""
        if self.state != "finalised" or not self.changed_children:
            return ""
        return f"Sổ đã thay đổi sau khi chốt: {self.changed_children} trẻ."


@dataclass(frozen=True)
class IndicatorReport:
    """Every indicator of one period, with the report's state."""

    period: Period
    calendar: CalendarDates
    results: tuple[IndicatorResult, ...]
    state: ReportState
    from_snapshot: bool
    previous: dict[str, float | None] = field(default_factory=dict)

    def result(self, code: str) -> IndicatorResult:
        """One indicator's result by code."""
        for r in self.results:
            if r.code == code:
                return r
        raise KeyError(f"Không có chỉ tiêu mã {code}.")

    def as_json(self) -> dict[str, object]:
        """The CLI's JSON (every indicator by code)."""
        return {
            "period": self.period.code,
            "period_start": format_vn_date(self.period.start),
            "period_end": format_vn_date(self.period.end),
            "reference_date": format_vn_date(self.period.reference),
            "due_date": format_vn_date(self.calendar.due),
            "state": self.state.state,
            "version": self.state.version,
            "from_snapshot": self.from_snapshot,
            "changed_after_finalising": self.state.change_flag_vi,
            "indicators": {
                r.code: {**r.as_json(), "previous": self.previous.get(r.code)} for r in self.results
            },
        }


@dataclass(frozen=True)
class DrillList:
    """The ids behind one number, and where they come from (shown above the list)."""

    ids: list[str]
    basis_vi: str  # "" for the book now; else the finalised version's line
    frozen: bool  # True when the ids are those counted when the report was finalised


@dataclass(frozen=True)
class DocumentInfo:
    """The PDF kept with one finalised version of a period's report."""

    report_id: str
    period_code: str
    report_version: int
    file_name: str
    size_bytes: int
    sha256: str


@dataclass(frozen=True)
class FigureEntry:
    """A figure as typed for one indicator: numerator and denominator, or the value alone."""

    code: str
    numerator: float | None = None
    denominator: float | None = None
    value: float | None = None
    note: str = ""


@dataclass(frozen=True)
class FigureCheck:
    """A warning on a saved figure (saved anyway, listed for checking)."""

    code: str
    message: str
    row: int | None = None


@dataclass(frozen=True)
class UnitFormRow:
    """One line of a unit's form: the indicator, this period's figure, last period's value."""

    code: str
    label_vi: str
    name_vi: str
    unit_label: str
    method: str
    computed_denominator: int | None
    figure: TypedFigure | None
    previous_value: float | None


@dataclass(frozen=True)
class SheetImport:
    """The result of importing a collection sheet: figures saved, problems, warnings."""

    saved: int
    problems: tuple[FieldProblem, ...]
    warnings: tuple[FigureCheck, ...]


@dataclass(frozen=True)
class DueItem:
    """A report on the calendar, for the home screen."""

    period_code: str
    name_vi: str
    due: date
    status: str  # done | late | due_soon | upcoming
    status_vi: str
    days_left: int


class IndicatorService:
    """Computes the indicators of a period and carries the report to its finalised snapshot.

    With ``former`` (``former_communes.former_commune``) it computes the report of one former
    commune for a period before the merge: every indicator and drill-down counts only the
    children of that commune's households (``repo.load_book_data``), the document names that
    commune, and nothing of it is saved, finalised or synced as this commune's report (the
    former commune's own reports keep their codes upstream).
    """

    def __init__(self, book: Book, former: FormerCommune | None = None) -> None:
        self._book = book
        self._former = former
        # The last computation, keyed by period, reference date and the book's generation:
        # the screen's "Tính", its drill-downs and the PDF / .xlsx written after it share one
        # reading of the book while nothing was committed in between.
        self._last: tuple[tuple[str, date | None, int], Computed, Period] | None = None
        # The frozen ids of the last finalised version asked for (report id, thawed).
        self._thawed: tuple[str, Computed] | None = None

    @property
    def former(self) -> FormerCommune | None:
        """The former commune whose report this service computes (None: this commune's)."""
        return self._former

    def former_reason_vi(self) -> str:
        """Why a former commune's report is computed and printed but never saved, finalised
        or sent ("" for this commune's own report)."""
        if self._former is None:
            return ""
        return (
            f"Đây là báo cáo của {self._former.in_text} cho kỳ trước ngày gộp sổ, lập lại từ "
            "lịch sử trong sổ để xem và in. Báo cáo này không chốt, không lưu và không gửi lên "
            "cấp trên như báo cáo của xã mới: báo cáo của xã cũ giữ mã và số của xã cũ ở cấp "
            "trên."
        )

    def _refuse_former(self) -> None:
        if self._former is not None:
            raise ValidationError(FieldProblem("former_commune", self.former_reason_vi()))

    # -- calendar ---------------------------------------------------------------------------

    def calendar(self, code: str) -> CalendarDates:
        """The dates of period ``code`` on the calendar in force (book override, else default)."""
        year, kind = parse_period(code)
        with self._book.read() as session:
            row = session.scalars(
                select(ReportCalendarEntry).where(
                    ReportCalendarEntry.year == year,
                    ReportCalendarEntry.report_type == kind,
                    ReportCalendarEntry.deleted.is_(False),
                )
            ).first()
            if row is not None:
                return CalendarDates(
                    code,
                    f"Báo cáo {TYPE_NAMES[kind]} {year}",
                    row.period_start,
                    row.period_end,
                    row.reference_date,
                    row.due_date,
                    row.recipient,
                )
        entry = next(
            (
                e
                for e in defs.calendar_defaults()
                if e.report_type == kind and e.year in (None, year)
            ),
            None,
        )
        assert entry is not None, kind

        def on(dm: tuple[int, int]) -> date:
            return date(year, dm[1], dm[0])

        return CalendarDates(
            code,
            f"Báo cáo {TYPE_NAMES[kind]} {year}",
            on(entry.period_start),
            on(entry.period_end),
            on(entry.reference_date),
            on(entry.due_date),
            entry.recipient,
        )

    def set_calendar(
        self,
        code: str,
        *,
        start: date,
        end: date,
        reference: date,
        due: date,
        recipient: str = "",
    ) -> None:
        """Administrator: set one year's dates for one report type (every change audited).

        Refused, each problem naming its field (``period_end``, ``reference_date``,
        ``due_date``): a period ending before it starts or outside its year, a reference date
        outside the period, a due date before the reference date."""
        self._book.user.require(Action.SETTINGS)
        year, kind = parse_period(code)
        problems = calendar_problems(year, start=start, end=end, reference=reference, due=due)
        if problems:
            raise ValidationError(problems)
        with self._book.transaction() as session:
            row = session.scalars(
                select(ReportCalendarEntry).where(
                    ReportCalendarEntry.year == year,
                    ReportCalendarEntry.report_type == kind,
                    ReportCalendarEntry.deleted.is_(False),
                )
            ).first()
            if row is None:
                row = ReportCalendarEntry(year=year, report_type=kind)
                session.add(row)
            row.period_start, row.period_end = start, end
            row.reference_date, row.due_date, row.recipient = reference, due, recipient
            row.updated_by = self._book.user.username

    def period(self, code: str, as_of: date | None = None) -> Period:
        """The period ``code``; ``as_of`` moves the reference date (and caps the end)."""
        cal = self.calendar(code)
        if as_of is None:
            return Period(code, cal.start, cal.end, cal.reference)
        if as_of < cal.start:
            raise ValidationError(
                FieldProblem(
                    "as_of",
                    f"Ngày chốt số liệu {format_vn_date(as_of)} ở trước ngày bắt đầu kỳ "
                    f"({format_vn_date(cal.start)}).",
                )
            )
        return Period(code, cal.start, min(cal.end, as_of) if as_of < cal.end else as_of, as_of)

    def due_items(self, today: date | None = None) -> list[DueItem]:
        """This year's reports with their status: done (finalised), late, due soon, upcoming."""
        self._book.user.require(Action.REPORT)
        today = today or clock.today()
        items = []
        for kind in ("H1", "9M", "Y"):
            code = period_code(today.year, kind)
            cal = self.calendar(code)
            state = self._current_row_state(code)
            days = (cal.due - today).days
            if state == "finalised":
                status, text = "done", "Đã chốt số liệu"
            elif days < 0:
                status, text = "late", f"Quá hạn {-days} ngày"
            elif days <= DUE_SOON_DAYS:
                status, text = "due_soon", f"Còn {days} ngày"
            else:
                status, text = "upcoming", f"Hạn {format_vn_date(cal.due)}"
            items.append(DueItem(code, cal.name_vi, cal.due, status, text, days))
        return items

    # -- targets ----------------------------------------------------------------------------

    def targets(self) -> dict[str, tuple[defs.TargetDef, ...]]:
        """Targets in force by indicator: the administrator's, else the defaults."""
        out: dict[tuple[str, str, int], defs.TargetDef] = {
            (t.code, t.level, t.year): t for t in defs.targets()
        }
        with self._book.read() as session:
            for row in session.scalars(
                select(IndicatorTarget).where(IndicatorTarget.deleted.is_(False))
            ):
                op, value = defs.parse_target(row.text)
                out[(row.indicator_code, row.level, row.year)] = defs.TargetDef(
                    row.indicator_code, row.level, row.year, row.text, op, value, "quản trị viên"
                )
        by_code: dict[str, list[defs.TargetDef]] = {}
        for t in out.values():
            if t.text.strip():
                by_code.setdefault(t.code, []).append(t)
        return {c: tuple(sorted(ts, key=lambda t: (t.level, t.year))) for c, ts in by_code.items()}

    def target_settings(self) -> dict[tuple[str, str, int], TargetSetting]:
        """Every target with a default or an override, by (code, level, year): what the
        administrator's table shows (an override may be empty: no target at all)."""
        out = {
            (t.code, t.level, t.year): TargetSetting(
                t.code, t.level, t.year, t.text, t.text, t.source, False
            )
            for t in defs.targets()
        }
        with self._book.read() as session:
            rows = session.scalars(
                select(IndicatorTarget).where(IndicatorTarget.deleted.is_(False))
            ).all()
            for row in rows:
                key = (row.indicator_code, row.level, row.year)
                default = out.get(key)
                out[key] = TargetSetting(
                    *key,
                    row.text,
                    default.default if default else "",
                    default.source if default else "",
                    True,
                )
        return out

    def set_target(self, code: str, level: str, year: int, text: str) -> None:
        """Administrator: set a target, overriding the default (empty text: no target at that
        level and year). A text the report cannot read is refused (``defs.target_problem``,
        field ``text``). Every change is audited."""
        self._book.user.require(Action.SETTINGS)
        indicator = defs.indicator(code)
        if level not in TARGET_LEVELS:
            raise ValidationError(FieldProblem("level", f"Cấp «{level}» không hợp lệ."))
        problem = defs.target_problem(text, indicator.unit)
        if problem:
            raise ValidationError(FieldProblem("text", problem))
        with self._book.transaction() as session:
            rows = self._target_rows(session, code, level, year)
            row = rows[0] if rows else None
            if row is None:
                row = IndicatorTarget(indicator_code=code, level=level, year=year, text="")
                session.add(row)
            row.text = text.strip()
            row.updated_by = self._book.user.username

    def reset_target(self, code: str, level: str, year: int) -> bool:
        """Administrator: back to the default target (targets.csv, or none) at ``level`` for
        ``year``. The override is tombstoned, so the change is audited and synced like any
        other; False when there was no override."""
        self._book.user.require(Action.SETTINGS)
        defs.indicator(code)
        with self._book.transaction() as session:
            rows = self._target_rows(session, code, level, year)
            for row in rows:
                row.deleted = True
                row.updated_by = self._book.user.username
        return bool(rows)

    @staticmethod
    def _target_rows(session: object, code: str, level: str, year: int) -> list[IndicatorTarget]:
        from sqlalchemy.orm import Session

        assert isinstance(session, Session)
        return list(
            session.scalars(
                select(IndicatorTarget).where(
                    IndicatorTarget.indicator_code == code,
                    IndicatorTarget.level == level,
                    IndicatorTarget.year == year,
                    IndicatorTarget.deleted.is_(False),
                )
            )
        )

    # -- computing --------------------------------------------------------------------------

    def _labels(self) -> Labels:
        with self._book.read() as session:
            hamlets = {h.id: h.name for h in session.scalars(select(Hamlet))}
        return Labels(
            hamlets=hamlets,
            ethnicities={c.code: c.name for c in codes.ethnic_groups()},
            special_groups={c.code: c.name for c in codes.special_circumstance_groups()},
            codes={
                "support_type": _top_names(codes.support_types()),
                "abuse_form": _top_names(codes.abuse_forms()),
                "injury_cause": _top_names(codes.injury_causes()),
            },
        )

    def _typed(self, code: str) -> dict[str, TypedFigure]:
        # The self-assessment reads the indicators of its year: its module imports this one.
        from desktop.core.services.cfc import saved_verdict

        year, _ = parse_period(code)
        with self._book.read() as session:
            rows = session.scalars(
                select(IndicatorValue)
                .where(IndicatorValue.period_code == code, IndicatorValue.deleted.is_(False))
                .order_by(IndicatorValue.entered_at)
            ).all()
            verdict = saved_verdict(session, year)
            typed = {
                r.indicator_code: TypedFigure(
                    r.indicator_code,
                    r.numerator,
                    r.denominator,
                    r.value,
                    r.unit_code,
                    r.entered_by,
                    clock.to_local(r.entered_at).strftime("%d/%m/%Y %H:%M"),
                    r.note,
                )
                for r in rows
            }
        if verdict is not None:
            # CT01 follows the year's self-assessment once every criterion is scored
            # (QĐ 06/QĐ-TTg: the commune is recognised or not); a figure typed for it yields.
            result = "đạt" if verdict.recognised else "chưa đạt"
            typed["CT01"] = TypedFigure(
                "CT01",
                None,
                None,
                100.0 if verdict.recognised else 0.0,
                "OFFICER",
                verdict.updated_by,
                clock.to_local(verdict.updated_at).strftime("%d/%m/%Y %H:%M"),
                f"Theo kết quả tự đánh giá xã phù hợp với trẻ em năm {year}: {result} "
                f"({verdict.total:g}/{verdict.threshold} điểm).",
            )
        return typed

    def _compute(self, code: str, as_of: date | None) -> tuple[Computed, Period]:
        # Taken before reading: a commit during the reading makes the result stale at once.
        key = (code, as_of, self._book.generation)
        last = self._last
        if last is not None and last[0] == key:
            return last[1], last[2]
        period = self.period(code, as_of)
        scope = None
        if self._former is not None:
            self._former.check_period(f"Kỳ {period_label(code)}", period.end, period.reference)
            scope = self._former.households
        with collector_paused():
            with self._book.read() as session:
                data = repo.load_book_data(session, period, scope)
            # A former commune's figures typed by its units stayed in its own book; the rest
            # of this book keeps the ones typed here for the periods before the merge.
            typed = {} if self._former and not self._former.rest else self._typed(code)
            computed = compute_all(defs.indicators(), data, self._labels(), typed, self.targets())
        self._last = (key, computed, period)
        return computed, period

    def compute(self, code: str, as_of: date | None = None) -> IndicatorReport:
        """Every indicator of period ``code``; from its snapshot when finalised (and no
        ``as_of`` is asked), else computed from the book now."""
        self._book.user.require(Action.REPORT)
        cal = self.calendar(code)
        state = self.state(code)
        if self._former is not None:
            computed, period = self._compute(code, as_of)
            return IndicatorReport(period, cal, tuple(computed.results), state, False, {})
        previous = self._previous_values(code)
        if state.state == "finalised" and as_of is None and state.report_id is not None:
            results, period = self._from_snapshot(state.report_id)
            return IndicatorReport(period, cal, results, state, True, previous)
        computed, period = self._compute(code, as_of)
        return IndicatorReport(period, cal, tuple(computed.results), state, False, previous)

    def drill_down(
        self,
        code: str,
        indicator_code: str,
        dimension: str = "",
        key: str = "",
        *,
        part: str = "numerator",
        as_of: date | None = None,
    ) -> list[ChildListRow]:
        """The children behind one number (an indicator's total or one cell): those it counted
        when finalised for a finalised report, else the book now (``drill_list``).

        Special-circumstance and abuse numbers need the right to see sensitive records.
        """
        ids = self.drill_ids(code, indicator_code, dimension, key, part=part, as_of=as_of)
        with collector_paused():  # tens of thousands of rows built at once
            return ReportService(self._book).children_by_ids(ids)  # visitors too

    def drill_ids(
        self,
        code: str,
        indicator_code: str,
        dimension: str = "",
        key: str = "",
        *,
        part: str = "numerator",
        as_of: date | None = None,
    ) -> list[str]:
        """The ids behind one number for a list of names (``drill_down`` without the rows,
        for a screen that loads them itself): the same rights as ``drill_down``."""
        return self.drill_list(code, indicator_code, dimension, key, part=part, as_of=as_of).ids

    def drill_list(
        self,
        code: str,
        indicator_code: str,
        dimension: str = "",
        key: str = "",
        *,
        part: str = "numerator",
        as_of: date | None = None,
    ) -> DrillList:
        """``drill_ids`` with the line that says where the list comes from (a finalised
        report lists the children it counted when it was finalised)."""
        self._book.user.require(Action.REPORT)
        d = defs.indicator(indicator_code)
        if d.measure in SENSITIVE_MEASURES or dimension in SENSITIVE_DIMENSIONS:
            self._book.user.require(Action.VIEW_SENSITIVE)
        computed, basis = self._members(code, as_of)
        ids = sorted(computed.cell_members(indicator_code, dimension, key, part))
        if basis.frozen:
            with self._book.read() as session:
                gone = repo.persons_gone(session, ids)
            if gone:
                note = f" {vn_int(gone)} hồ sơ trong danh sách nay đã xoá hoặc gộp vào hồ sơ khác."
                basis = replace(basis, basis_vi=basis.basis_vi + note)
        return replace(basis, ids=ids)

    def member_ids(
        self,
        code: str,
        indicator_code: str,
        dimension: str = "",
        key: str = "",
        *,
        part: str = "numerator",
        as_of: date | None = None,
    ) -> list[str]:
        """Ids behind one number (no names: usable by a viewer for counting checks); those it
        counted when finalised for a finalised report (unless ``as_of`` asks for the book)."""
        self._book.user.require(Action.REPORT)
        computed, _ = self._members(code, as_of)
        return sorted(computed.cell_members(indicator_code, dimension, key, part))

    def _members(self, code: str, as_of: date | None) -> tuple[Computed, DrillList]:
        """What the ids of a number come from: the finalised version's frozen ids when there
        is one on this PC (and no ``as_of`` is asked), else the book now; with the line that
        says which (a ``DrillList`` without ids)."""
        if as_of is not None or self._former is not None:  # a former commune's: never frozen
            return self._compute(code, as_of)[0], DrillList([], "", False)
        with self._book.read() as session:
            row = self._finalised_row(session, code)
            if row is None:
                return self._compute(code, None)[0], DrillList([], "", False)
            report_id, version, when = row.id, row.report_version, row.finalised_at
            kept = session.get(ReportSnapshotMembers, report_id)
            blob = kept.data if kept is not None else None
        day = format_vn_date(clock.to_local(when).date()) if when is not None else ""
        why = "không có trên máy này (chốt ở máy khác hoặc trước khi có chức năng này)"
        if blob is not None and (self._thawed is None or self._thawed[0] != report_id):
            try:
                self._thawed = (report_id, thaw_members(blob))
            except FrozenMembersError:
                blob, why = None, "bị hỏng, không đọc được"
        if blob is None or self._thawed is None:
            text = (
                f"Báo cáo đã chốt ngày {day} (bản {version}), nhưng danh sách trẻ lúc chốt "
                f"{why}: đây là các trẻ theo sổ hiện nay, có thể khác số đã chốt."
            )
            return self._compute(code, None)[0], DrillList([], text, False)
        text = (
            f"Các trẻ em được đếm khi chốt số liệu ngày {day} (bản {version}); "
            "các thay đổi của sổ sau ngày đó không làm đổi danh sách này."
        )
        return self._thawed[1], DrillList([], text, True)

    # -- typed figures ----------------------------------------------------------------------

    def unit_form(self, code: str, unit_code: str) -> list[UnitFormRow]:
        """The indicators a unit types for period ``code``, with last period's values."""
        self._book.user.require(Action.REPORT)
        typed = self._typed(code)
        previous = self._previous_values(code)
        wanted = [
            d
            for d in defs.indicators()
            if unit_code in d.responsible_units and d.method in ("typed", "mixed")
        ]
        dens = self._book_denominators(code) if any(d.method == "mixed" for d in wanted) else {}
        return [
            UnitFormRow(
                d.code,
                d.label_vi,
                d.name_vi,
                d.unit_label,
                d.method,
                dens.get(d.code),
                typed.get(d.code),
                previous.get(d.code),
            )
            for d in wanted
        ]

    def _book_denominators(self, code: str) -> dict[str, int | None]:
        """Each indicator's denominator computed from the book for period ``code`` (the part a
        "mixed" indicator takes from the book; the unit types the numerator)."""
        computed, _ = self._compute(code, None)
        return {
            r.code: int(r.denominator) if r.denominator is not None else None
            for r in computed.results
        }

    def check_figure(
        self, code: str, entry: FigureEntry, computed_denominator: int | None = None
    ) -> tuple[list[FieldProblem], list[FigureCheck]]:
        """Blocking problems and warnings for one typed figure (nothing is saved)."""
        d = defs.indicator(entry.code)
        problems: list[FieldProblem] = []
        warnings: list[FigureCheck] = []
        name = f"{d.label_vi} ({d.code})"
        if d.method == "computed":
            problems.append(FieldProblem(entry.code, f"{name} tính từ sổ, không nhập tay."))
            return problems, warnings
        den = computed_denominator if d.method == "mixed" else entry.denominator
        for label, number in (
            ("tử số", entry.numerator),
            ("mẫu số", entry.denominator),
            ("giá trị", entry.value),
        ):
            if number is not None and number < 0:
                problems.append(FieldProblem(entry.code, f"{name}: {label} không được âm."))
        if entry.numerator is None and entry.value is None:
            problems.append(FieldProblem(entry.code, f"{name}: chưa nhập tử số hoặc giá trị."))
        if entry.numerator is not None and den is not None and entry.numerator > den:
            problems.append(
                FieldProblem(
                    entry.code,
                    f"{name}: tử số {entry.numerator:g} lớn hơn mẫu số {den:g}.",
                )
            )
        value = entry.value if entry.value is not None else rate(entry.numerator, den, d.factor)
        low, high = d.bounds
        if value is not None and (value < low or (high is not None and value > high)):
            upper = f"{high:g}" if high is not None else "∞"
            problems.append(
                FieldProblem(
                    entry.code,
                    f"{name}: giá trị {value:g} ngoài khoảng hợp lý {low:g}–{upper} "
                    f"({d.unit_label}).",
                )
            )
        previous = self._previous_values(code).get(entry.code)
        if value is not None and previous:
            change = abs(value - previous) / abs(previous)
            if change > LARGE_CHANGE:
                warnings.append(
                    FigureCheck(
                        entry.code,
                        f"{name}: {value:g} khác nhiều so với kỳ trước ({previous:g}); "
                        "hãy kiểm tra lại.",
                    )
                )
        return problems, warnings

    def save_figures(
        self, code: str, unit_code: str, entries: Sequence[FigureEntry], source: str = "form"
    ) -> list[FigureCheck]:
        """Check and save a unit's figures in one transaction; the warnings (saved anyway).

        Raises ValidationError (every problem, nothing saved) on a blocking problem, and
        refuses when the period is finalised.
        """
        self._book.user.require(Action.EDIT_BOOK)
        self._require_open(code)
        if unit_code not in {u.code for u in defs.responsible_units()}:
            raise ValidationError(FieldProblem("unit", f"Không có đơn vị «{unit_code}»."))
        mixed = any(defs.indicator(e.code).method == "mixed" for e in entries)
        dens = self._book_denominators(code) if mixed else {}
        problems: list[FieldProblem] = []
        warnings: list[FigureCheck] = []
        for n, entry in enumerate(entries, start=1):
            if unit_code not in defs.indicator(entry.code).responsible_units:
                problems.append(
                    FieldProblem(
                        entry.code, f"Chỉ tiêu {entry.code} không do đơn vị này báo cáo.", n
                    )
                )
                continue
            p, w = self.check_figure(code, entry, dens.get(entry.code))
            problems += [FieldProblem(x.field, x.message, n) for x in p]
            warnings += [FigureCheck(x.code, x.message, n) for x in w]
        if problems:
            raise ValidationError(problems)
        user = self._book.user.username
        with self._book.transaction() as session:
            for entry in entries:
                d = defs.indicator(entry.code)
                old = session.scalars(
                    select(IndicatorValue).where(
                        IndicatorValue.period_code == code,
                        IndicatorValue.indicator_code == entry.code,
                        IndicatorValue.deleted.is_(False),
                    )
                ).all()
                for row in old:
                    row.deleted = True
                session.add(
                    IndicatorValue(
                        period_code=code,
                        indicator_code=entry.code,
                        unit_code=unit_code,
                        numerator=entry.numerator,
                        denominator=dens.get(entry.code)
                        if d.method == "mixed"
                        else entry.denominator,
                        value=entry.value,
                        source=source,
                        note=entry.note,
                        entered_by=user,
                        entered_at=clock.now(),
                        updated_by=user,
                    )
                )
        return warnings

    def _previous_values(self, code: str) -> dict[str, float | None]:
        """Last period's values: its finalised snapshot, else its typed figures."""
        prev = previous_period_code(code)
        with self._book.read() as session:
            row = self._finalised_row(session, prev)
            if row is not None:
                return {
                    v.indicator_code: v.value
                    for v in session.scalars(
                        select(ReportSnapshotValue).where(
                            ReportSnapshotValue.report_id == row.id,
                            ReportSnapshotValue.dimension == "",
                            ReportSnapshotValue.deleted.is_(False),
                        )
                    )
                }
        out: dict[str, float | None] = {}
        for c, fig in self._typed(prev).items():
            d = defs.indicator(c)
            out[c] = (
                fig.value
                if fig.value is not None
                else rate(fig.numerator, fig.denominator, d.factor)
            )
        return out

    # -- report life ------------------------------------------------------------------------

    @staticmethod
    def _finalised_row(session: object, code: str) -> PeriodicReport | None:
        from sqlalchemy.orm import Session

        assert isinstance(session, Session)
        return session.scalars(
            select(PeriodicReport).where(
                PeriodicReport.period_code == code,
                PeriodicReport.state == "finalised",
                PeriodicReport.deleted.is_(False),
            )
        ).first()

    def _current_row(self, session: object, code: str) -> PeriodicReport | None:
        from sqlalchemy.orm import Session

        assert isinstance(session, Session)
        return session.scalars(
            select(PeriodicReport)
            .where(
                PeriodicReport.period_code == code,
                PeriodicReport.state != "reopened",
                PeriodicReport.deleted.is_(False),
            )
            .order_by(PeriodicReport.report_version.desc())
        ).first()

    def _current_row_state(self, code: str) -> str:
        with self._book.read() as session:
            row = self._current_row(session, code)
            return row.state if row is not None else "draft"

    def state(self, code: str) -> ReportState:
        """The report's state, with the change flag when finalised."""
        parse_period(code)
        if self._former is not None:
            # Never saved: always a draft, said so.
            return ReportState(None, 1, "draft", "Báo cáo của xã cũ (không chốt)", None, "")
        with self._book.read() as session:
            row = self._current_row(session, code)
            earlier = tuple(
                session.scalars(
                    select(PeriodicReport.report_version).where(
                        PeriodicReport.period_code == code,
                        PeriodicReport.state == "reopened",
                        PeriodicReport.deleted.is_(False),
                    )
                ).all()
            )
            decisions = [_decision_view(d) for d in decisions_repo.for_period(session, code)]
            history = _history(session, code, decisions)
            if row is None:
                return ReportState(
                    None, 1, "draft", STATES["draft"], None, "", 0, (), earlier, None, history
                )
            changed = 0
            if row.state == "finalised" and row.finalised_at is not None:
                period = Period(code, row.period_start, row.period_end, row.reference_date)
                changed = len(repo.persons_changed_since(session, row.finalised_at, period))
            mine = [d for d in decisions if d.report_id == row.id]
            # An approved earlier version locks the period too (a computer that reopened it
            # before the approval reached it): the approval is what is shown.
            approved = [d for d in decisions if d.decision == "approved"]
            shown = mine[-1] if mine else (approved[-1] if approved else None)
            return ReportState(
                row.id,
                row.report_version,
                row.state,
                STATES[row.state],
                row.finalised_at,
                row.finalised_by,
                changed,
                (),
                earlier,
                shown,
                history,
            )

    def recent_decisions(self, today: date | None = None) -> tuple[DecisionView, ...]:
        """The home screen's lines: upstream's last decision on each period's report, newest
        first, when it came in the last RECENT_DECISION_DAYS days or is a return not corrected
        yet (the returned version is still the current one)."""
        self._book.user.require(Action.REPORT)
        since = (today or clock.today()) - timedelta(days=RECENT_DECISION_DAYS)
        out = []
        with self._book.read() as session:
            for d in decisions_repo.latest_per_period(session, limit=50):
                view = _decision_view(d)
                if d.decision == "returned":
                    current = self._current_row(session, d.period_code)
                    fix = current is not None and current.id == d.report_id
                    view = replace(view, to_correct=fix)
                if view.to_correct or view.decided_on >= since:
                    out.append(view)
        return tuple(out)

    def _require_open(self, code: str) -> None:
        self._refuse_former()
        locked = self.state(code).locked_vi
        if locked:
            raise ValidationError(FieldProblem("period", f"Kỳ {code}: {locked}"))
        if self._current_row_state(code) == "finalised":
            raise ValidationError(
                FieldProblem(
                    "period",
                    f"Báo cáo kỳ {code} đã chốt số liệu; chỉ quản trị viên mở lại được "
                    "(ghi rõ lý do).",
                )
            )

    def _ensure_row(self, session: object, code: str) -> PeriodicReport:
        from sqlalchemy.orm import Session

        assert isinstance(session, Session)
        row = self._current_row(session, code)
        if row is None:
            cal = self.calendar(code)
            versions = session.scalars(
                select(PeriodicReport.report_version).where(PeriodicReport.period_code == code)
            ).all()
            row = PeriodicReport(
                period_code=code,
                report_version=max(versions, default=0) + 1,
                state="draft",
                period_start=cal.start,
                period_end=cal.end,
                reference_date=cal.reference,
                updated_by=self._book.user.username,
            )
            session.add(row)
            session.flush()
        return row

    def save_narrative(self, code: str, sections: dict[str, str], **doc: str) -> None:
        """Save the narrative sections (results, shortcomings, causes, tasks, proposals) and
        the document fields (doc_number, signer_name, signer_lines as "A|B").

        A section saved empty prints the starting text (filled from the numbers when the
        report is printed). Texts are kept NFC; one too long to be synced upstream (or to fit
        its column) is refused with a problem naming the field, and nothing is written."""
        self._book.user.require(Action.EDIT_BOOK)
        self._require_open(code)
        texts, fields = _clean_narrative(sections, doc)
        with self._book.transaction() as session:
            row = self._ensure_row(session, code)
            for key, text in texts.items():
                setattr(row, f"{key}_text", text)
            for key, value in fields.items():
                setattr(row, key, value)
            row.updated_by = self._book.user.username

    def narrative(self, code: str, report: IndicatorReport | None = None) -> dict[str, str]:
        """The narrative sections as saved, or the starting text generated from the numbers
        (of ``report`` when given, so the numbers are not computed twice); a former
        commune's report always prints the starting text (this commune's texts are its own)."""
        if self._former is not None:
            return starting_text(report or self.compute(code))
        with self._book.read() as session:
            row = session.scalars(
                select(PeriodicReport)
                .where(PeriodicReport.period_code == code, PeriodicReport.deleted.is_(False))
                .order_by(PeriodicReport.report_version.desc())
            ).first()
            saved = {k: getattr(row, f"{k}_text") for k in NARRATIVE_SECTIONS} if row else {}
        if all(saved.get(k) for k in NARRATIVE_SECTIONS):
            return saved
        start = starting_text(report or self.compute(code))
        return {k: saved.get(k) or start[k] for k in NARRATIVE_SECTIONS}

    def document_fields(self, code: str) -> dict[str, str]:
        """Number, signer name and lines as saved ("" when not typed, or a former commune's)."""
        if self._former is not None:
            return {"doc_number": "", "signer_name": "", "signer_lines": ""}
        with self._book.read() as session:
            row = self._current_row(session, code)
            if row is None:
                return {"doc_number": "", "signer_name": "", "signer_lines": ""}
            return {
                "doc_number": row.doc_number,
                "signer_name": row.signer_name,
                "signer_lines": row.signer_lines,
            }

    def review(self, code: str) -> ReportState:
        """Mark the draft reviewed (anyone who may edit the book)."""
        access.require_report_step(self._book.user, "review")
        self._require_open(code)
        with self._book.transaction() as session:
            row = self._ensure_row(session, code)
            row.state = "reviewed"
            row.reviewed_by = self._book.user.username
            row.reviewed_at = clock.now()
        return self.state(code)

    def finalise(self, code: str, as_of: date | None = None) -> ReportState:
        """Freeze the numbers: one snapshot row per indicator total and per cell (synced)."""
        user = self._book.user
        access.require_report_step(user, "finalise")
        self._require_open(code)
        computed, period = self._compute(code, as_of)
        with self._book.transaction() as session:
            row = self._ensure_row(session, code)
            row.period_start, row.period_end = period.start, period.end
            row.reference_date = period.reference
            for r in computed.results:
                session.add(_snapshot_row(row.id, r, user.username))
                for c in r.cells:
                    session.add(
                        ReportSnapshotValue(
                            report_id=row.id,
                            indicator_code=r.code,
                            dimension=c.dimension,
                            cell_code=c.key,
                            label=c.label,
                            status=r.status,
                            unit=r.unit,
                            value=c.value,
                            numerator=c.numerator,
                            denominator=c.denominator,
                            updated_by=user.username,
                        )
                    )
            frozen = freeze_members(computed)
            session.add(
                ReportSnapshotMembers(
                    report_id=row.id,
                    format=FROZEN_FORMAT,
                    ids_count=frozen.ids,
                    size_bytes=len(frozen.data),
                    data=frozen.data,
                )
            )
            row.state = "finalised"
            row.finalised_by = user.username
            row.finalised_at = clock.now()
            row.updated_by = user.username
        self.ensure_document(code)
        return self.state(code)

    def ensure_document(self, code: str) -> DocumentInfo | None:
        """The official PDF of the finalised version of ``code``, kept with it (synced
        upstream); made now from the snapshot if it is not kept yet. None when not finalised.

        ``finalise`` calls it right after its commit; a finalising cut between the two (the
        program closed) is completed here the next time (``ensure_documents``, before a sync).
        """
        self._book.user.require(Action.REPORT)
        self._refuse_former()
        with self._book.read() as session:
            row = self._finalised_row(session, code)
            if row is None:
                return None
            report_id, version = row.id, row.report_version
            kept = _document_of(session, report_id)
            if kept is not None:
                return kept
        data = indicator_pdf_bytes(self.content(code), self.header(code))
        name = f"bao-cao-{self._book.commune().code}-{code}-v{version}.pdf"
        with self._book.transaction() as session:
            kept = _document_of(session, report_id)
            if kept is not None:
                return kept
            session.add(
                ReportDocument(
                    report_id=report_id,
                    file_name=name,
                    size_bytes=len(data),
                    sha256=hashlib.sha256(data).hexdigest(),
                    content_base64=base64.b64encode(data).decode("ascii"),
                    updated_by=self._book.user.username,
                )
            )
            session.flush()
            made = _document_of(session, report_id)
        assert made is not None
        return made

    def ensure_documents(self) -> int:
        """``ensure_document`` for every finalised period; the number of documents made."""
        with self._book.read() as session:
            codes_ = sorted(
                session.scalars(
                    select(PeriodicReport.period_code).where(
                        PeriodicReport.state == "finalised",
                        PeriodicReport.deleted.is_(False),
                        ~select(ReportDocument.id)
                        .where(
                            ReportDocument.report_id == PeriodicReport.id,
                            ReportDocument.deleted.is_(False),
                        )
                        .exists(),
                    )
                ).all()
            )
        for code in codes_:
            self.ensure_document(code)
        return len(codes_)

    def document(self, code: str, version: int) -> tuple[DocumentInfo, bytes]:
        """The kept PDF of version ``version`` of ``code`` (KeyError when there is none)."""
        self._book.user.require(Action.REPORT)
        with self._book.read() as session:
            found = session.execute(
                select(ReportDocument)
                .join(PeriodicReport, PeriodicReport.id == ReportDocument.report_id)
                .where(
                    PeriodicReport.period_code == code,
                    PeriodicReport.report_version == version,
                    PeriodicReport.deleted.is_(False),
                    ReportDocument.deleted.is_(False),
                )
                .order_by(ReportDocument.id)
            ).scalar()
            if found is None:
                raise KeyError(f"Không có văn bản của phiên bản {version} báo cáo kỳ {code}.")
            info = _document_info(found, code, version)
            return info, base64.b64decode(found.content_base64)

    def reopen(self, code: str, reason: str) -> ReportState:
        """Administrator only, with a reason: the finalised version is kept ("reopened") and a
        new draft version carries its texts."""
        access.require_report_step(self._book.user, "reopen")
        self._refuse_former()
        why = " ".join((reason or "").split())
        if len(why) < 5:
            raise ValidationError(FieldProblem("reason", "Hãy ghi rõ lý do mở lại báo cáo."))
        locked = self.state(code).locked_vi
        if locked:
            raise ValidationError(FieldProblem("period", f"Kỳ {code}: {locked}"))
        with self._book.transaction() as session:
            row = self._finalised_row(session, code)
            if row is None:
                raise ValidationError(
                    FieldProblem("period", f"Báo cáo kỳ {code} chưa chốt số liệu.")
                )
            row.state = "reopened"
            row.reopened_by = self._book.user.username
            row.reopened_at = clock.now()
            row.reopen_reason = why
            new = PeriodicReport(
                period_code=code,
                report_version=row.report_version + 1,
                state="draft",
                period_start=row.period_start,
                period_end=row.period_end,
                reference_date=row.reference_date,
                updated_by=self._book.user.username,
                **{f"{k}_text": getattr(row, f"{k}_text") for k in NARRATIVE_SECTIONS},
                doc_number=row.doc_number,
                signer_name=row.signer_name,
                signer_lines=row.signer_lines,
            )
            session.add(new)
        return self.state(code)

    def _from_snapshot(self, report_id: str) -> tuple[tuple[IndicatorResult, ...], Period]:
        return load_snapshot(self._book, report_id)

    def snapshot_version(self, code: str, version: int) -> tuple[IndicatorResult, ...]:
        """The frozen numbers of an earlier (reopened) or current version."""
        self._book.user.require(Action.REPORT)
        with self._book.read() as session:
            row = session.scalars(
                select(PeriodicReport).where(
                    PeriodicReport.period_code == code,
                    PeriodicReport.report_version == version,
                    PeriodicReport.deleted.is_(False),
                )
            ).first()
            if row is None:
                raise KeyError(f"Không có phiên bản {version} của báo cáo kỳ {code}.")
            rid = row.id
        return load_snapshot(self._book, rid)[0]

    # -- collection sheets (Phiếu thu thập số liệu) -------------------------------------------

    def write_collection_sheet(self, code: str, unit_code: str, path: Path) -> int:
        """The pre-filled .xlsx sheet of one unit for period ``code``; its number of lines."""
        self._book.user.require(Action.REPORT)
        unit = next((u for u in defs.responsible_units() if u.code == unit_code), None)
        if unit is None:
            raise ValidationError(FieldProblem("unit", f"Không có đơn vị «{unit_code}»."))
        form = self.unit_form(code, unit_code)
        lines = [
            SheetLine(
                r.code,
                f"{r.label_vi}: {r.name_vi}",
                r.unit_label,
                r.previous_value,
                r.computed_denominator,
            )
            for r in form
        ]
        write_collection_sheet(
            path,
            unit_code=unit.code,
            unit_name=unit.name_vi,
            period_code=code,
            period_label=period_label(code),
            commune_name=self._book.commune().display_name,
            lines=lines,
        )
        return len(lines)

    def import_collection_sheet(self, code: str, path: Path) -> SheetImport:
        """Read a filled sheet and save its figures; on any problem nothing is saved and
        every problem is listed with its row (the file is left as it is)."""
        self._book.user.require(Action.EDIT_BOOK)
        self._refuse_former()
        read = read_collection_sheet(path)
        problems = list(read.problems)
        if not problems and read.period_code != code:
            problems.append(
                FieldProblem(
                    "period",
                    f"Phiếu là của kỳ {read.period_code}, không phải kỳ {code}.",
                )
            )
        known = {d.code for d in defs.indicators()}
        entries = []
        for row, ind, num, den, value, note in read.rows:
            if ind not in known:
                problems.append(
                    FieldProblem("code", f"Dòng {row}, cột «Mã»: không có chỉ tiêu «{ind}».", row)
                )
                continue
            entries.append((row, FigureEntry(ind, num, den, value, note)))
        if problems:
            return SheetImport(0, tuple(problems), ())
        try:
            warnings = self.save_figures(code, read.unit_code, [e for _, e in entries], "xlsx")
        except ValidationError as exc:
            rows = [r for r, _ in entries]
            return SheetImport(
                0,
                tuple(
                    FieldProblem(
                        p.field,
                        f"Dòng {rows[p.row - 1]}: {p.message}" if p.row else p.message,
                        rows[p.row - 1] if p.row else None,
                    )
                    for p in exc.problems
                ),
                (),
            )
        rows = [r for r, _ in entries]
        return SheetImport(
            len(entries),
            (),
            tuple(
                FigureCheck(w.code, f"Dòng {rows[w.row - 1]}: {w.message}", rows[w.row - 1])
                if w.row
                else w
                for w in warnings
            ),
        )

    # -- the document -----------------------------------------------------------------------

    def history(self, code: str, periods: int = 3) -> list[tuple[str, dict[str, float | None]]]:
        """Values of the same report over the last ``periods`` years (finalised snapshots;
        the current period as computed or frozen), oldest first."""
        year, kind = parse_period(code)
        out: list[tuple[str, dict[str, float | None]]] = []
        with self._book.read() as session:
            for y in range(year - periods + 1, year):
                row = self._finalised_row(session, period_code(y, kind))
                if row is None:
                    continue
                values = {
                    v.indicator_code: v.value
                    for v in session.scalars(
                        select(ReportSnapshotValue).where(
                            ReportSnapshotValue.report_id == row.id,
                            ReportSnapshotValue.dimension == "",
                            ReportSnapshotValue.deleted.is_(False),
                        )
                    )
                }
                out.append((period_label(period_code(y, kind)), values))
        return out

    def content(
        self, code: str, as_of: date | None = None, report: IndicatorReport | None = None
    ) -> ReportContent:
        """What the PDF and the .xlsx show (from the snapshot when finalised)."""
        report = report or self.compute(code, as_of)
        # A former commune's earlier periods are in its own reports, not this book's.
        history = [] if self._former is not None else self.history(code)
        history.append((period_label(code), {r.code: r.value for r in report.results}))
        state = report.state
        line = ""
        if self._former is not None:
            line = (
                f"Báo cáo của {self._former.in_text}, mã {self._former.code}, lập lại từ lịch sử "
                f"trong sổ sau khi gộp sổ ngày {format_vn_date(self._former.merged_on)}; không "
                "phải báo cáo của xã mới."
            )
        if state.state == "finalised" and state.finalised_at is not None:
            line = (
                f"Số liệu đã chốt ngày {clock.to_local(state.finalised_at):%d/%m/%Y} "
                f"(phiên bản {state.version})."
            )
            if state.change_flag_vi:
                line += " " + state.change_flag_vi
        title = f"Kết quả thực hiện công tác trẻ em {period_label(code)}"
        if self._former is not None:
            title += f" của {self._former.in_text}"
        return ReportContent(
            title=title,
            period_label=period_label(code),
            reference_date=report.period.reference,
            results=report.results,
            families={d.code: d.family for d in defs.indicators()},
            previous=report.previous,
            narrative=self.narrative(code, report),
            history=history,
            state_line=line,
        )

    def header(self, code: str) -> DocumentHeader:
        """The document header: the commune, upstream office, number and signer as saved."""
        from desktop.core.services.reports import ReportService

        commune = self._book.commune()
        summary = f"Kết quả thực hiện công tác trẻ em {period_label(code)}"
        if self._former is not None:
            summary += f" của {self._former.in_text}"
        state = self.state(code)
        issued = (
            clock.to_local(state.finalised_at).date()
            if state.state == "finalised" and state.finalised_at is not None
            else clock.today()
        )
        header = ReportService(self._book).header(commune, summary, issued)
        if self._former is not None:
            # Issued in the former commune's name: "UBND xã Minh Hưng (cũ)".
            header = replace(header, unit_name=self._former.title)
        fields = self.document_fields(code)
        recipients = list(header.recipients)
        recipients.insert(-1, "Các ban, ngành, đoàn thể xã (để t/h);")
        return replace(
            header,
            number=fields["doc_number"] or None,
            signer_name=fields["signer_name"] or None,
            signer_lines=[x for x in fields["signer_lines"].split("|") if x.strip()]
            or header.signer_lines,
            recipients=recipients,
        )

    def write(
        self,
        code: str,
        path: Path,
        fmt: str = "pdf",
        as_of: date | None = None,
        protection: ExportProtection | None = None,
    ) -> IndicatorReport:
        """Write the report as ``fmt`` ("pdf" or "xlsx"); the export goes in the audit trail."""
        from desktop.core.services.audit import record_export

        self._book.user.require(Action.REPORT)
        # The computation just made holds millions of small objects (the ids behind every
        # number): the cycle collector would walk them all during the rendering, for nothing.
        with collector_paused():
            report = self.compute(code, as_of)
            content = self.content(code, as_of, report)
            header = self.header(code)
            if fmt == "pdf":
                render_indicator_pdf(content, header, path, protection=protection)
            elif fmt == "xlsx":
                unit = f"{header.issuing_body} {header.unit_name}".upper()
                render_indicator_xlsx(content, unit, path, protection=protection)
            else:
                raise ValueError(f"unknown format {fmt!r}")
        before = self._book.generation
        record_export(
            self._book,
            what=f"indicators-{fmt}",
            path=str(path),
            rows=len(content.results),
            protected=protection is not None and protection.enabled,
            personal=False,
        )
        self._still_fresh_after_own_commit(before)
        return report

    def _still_fresh_after_own_commit(self, before: int) -> None:
        """Keep the last computation after this service's one audit-only commit (the export
        line): if exactly that commit happened since ``before``, the book's content is what was
        computed. Any other commit in between leaves the cache stale, as it should (one by
        another process in the microseconds between the export's commit and this check would
        go unseen: the cost of keeping the export from throwing the computation away)."""
        last = self._last
        if last is not None and last[0][2] == before and self._book.generation == before + 1:
            code, as_of, _ = last[0]
            self._last = ((code, as_of, before + 1), last[1], last[2])


NARRATIVE_SECTIONS = ("results", "shortcomings", "causes", "tasks", "proposals")
NARRATIVE_TITLES = {
    "results": "I. KẾT QUẢ THỰC HIỆN",
    "shortcomings": "II. TỒN TẠI, HẠN CHẾ",
    "causes": "III. NGUYÊN NHÂN",
    "tasks": "IV. NHIỆM VỤ TRỌNG TÂM THỜI GIAN TỚI",
    "proposals": "V. ĐỀ XUẤT, KIẾN NGHỊ",
}


# The longest text one field may hold: what the sync protocol carries for a section, the
# column's length for the document fields (a longer value would be refused upstream).
NARRATIVE_MAX_CHARS = MAX_STRING_LENGTH


def _column_length(column: str) -> int:
    length = getattr(PeriodicReport.__table__.c[column].type, "length", None)
    assert isinstance(length, int), column
    return length


DOCUMENT_FIELDS = {
    "doc_number": ("Số, ký hiệu văn bản", _column_length("doc_number")),
    "signer_name": ("Họ tên người ký", _column_length("signer_name")),
    "signer_lines": ("Chức vụ người ký", _column_length("signer_lines")),
}


def _clean_narrative(
    sections: dict[str, str], doc: dict[str, str]
) -> tuple[dict[str, str], dict[str, str]]:
    """The sections (NFC, blank lines around them off) and the document fields (NFC, single-spaced;
    signer lines "A|B" without empty lines) as saved; ValidationError naming each field that
    is unknown or too long."""
    problems = []
    texts = {}
    for key, text in sections.items():
        if key not in NARRATIVE_SECTIONS:
            problems.append(FieldProblem(key, f"Không có mục «{key}»."))
            continue
        texts[key] = nfc(text).strip()
        if len(texts[key]) > NARRATIVE_MAX_CHARS:
            problems.append(
                FieldProblem(
                    key,
                    f"Mục «{NARRATIVE_TITLES[key]}» dài {fmt_value(len(texts[key]), 'count')} "
                    f"ký tự, tối đa {fmt_value(NARRATIVE_MAX_CHARS, 'count')} (để gửi được lên "
                    "cấp trên). Hãy viết gọn lại: số liệu đầy đủ của từng chỉ tiêu đã có ở "
                    "Phụ lục.",
                )
            )
    fields = {}
    for key, (label, length) in DOCUMENT_FIELDS.items():
        if key not in doc:
            continue
        if key == "signer_lines":
            value = "|".join(line for line in map(clean_text, doc[key].split("|")) if line)
        else:
            value = clean_text(doc[key])
        fields[key] = value
        if len(value) > length:
            problems.append(
                FieldProblem(key, f"{label} dài {len(value)} ký tự, tối đa {length} ký tự.")
            )
    if problems:
        raise ValidationError(problems)
    return texts, fields


def _top_names(listed: tuple[codes.TreeCode, ...]) -> dict[str, str]:
    """Names of the top-level entries of a two-level code list (the report's cells)."""
    return {c.code: c.name for c in listed if not c.parent_code}


def _document_info(doc: ReportDocument, code: str, version: int) -> DocumentInfo:
    return DocumentInfo(doc.report_id, code, version, doc.file_name, doc.size_bytes, doc.sha256)


def _document_of(session: object, report_id: str) -> DocumentInfo | None:
    """The document kept for report version ``report_id`` (None if none)."""
    from sqlalchemy.orm import Session

    assert isinstance(session, Session)
    found = session.execute(
        select(ReportDocument, PeriodicReport.period_code, PeriodicReport.report_version)
        .join(PeriodicReport, PeriodicReport.id == ReportDocument.report_id)
        .where(ReportDocument.report_id == report_id, ReportDocument.deleted.is_(False))
        # Two computers of the commune may each have completed a cut finalising: the same
        # snapshot drawn twice; the first by id is the one shown.
        .order_by(ReportDocument.id)
    ).first()
    if found is None:
        return None
    doc, code, version = found
    return _document_info(doc, code, version)


def _snapshot_row(report_id: str, r: IndicatorResult, username: str) -> ReportSnapshotValue:
    import json

    detail = json.dumps(
        {
            "definition": r.definition_vi,
            "reason": r.missing_reason,
            "estimate": r.book_estimate,
            "targets": [[t.level, t.year, t.text] for t in r.targets],
            "notes": list(r.notes),
        },
        ensure_ascii=False,
    )
    return ReportSnapshotValue(
        report_id=report_id,
        indicator_code=r.code,
        dimension="",
        cell_code="",
        label=r.label_vi,
        status=r.status,
        unit=r.unit,
        value=r.value,
        numerator=r.numerator,
        denominator=r.denominator,
        detail=detail[:3900],
        updated_by=username,
    )


def load_snapshot(book: Book, report_id: str) -> tuple[tuple[IndicatorResult, ...], Period]:
    """Rebuild the results of a frozen report from its snapshot rows."""
    import json

    with book.read() as session:
        report = session.get(PeriodicReport, report_id)
        assert report is not None
        period = Period(
            report.period_code, report.period_start, report.period_end, report.reference_date
        )
        rows = session.scalars(
            select(ReportSnapshotValue).where(
                ReportSnapshotValue.report_id == report_id, ReportSnapshotValue.deleted.is_(False)
            )
        ).all()
        totals = {r.indicator_code: r for r in rows if r.dimension == ""}
        cells: dict[str, list[Cell]] = {}
        for r in rows:
            if r.dimension:
                cells.setdefault(r.indicator_code, []).append(
                    Cell(
                        r.dimension,
                        r.cell_code,
                        r.label,
                        int(r.numerator or 0),
                        int(r.denominator) if r.denominator is not None else None,
                        r.value,
                    )
                )
        by_code = {d.code: d for d in defs.indicators()}
        results = []
        for d in defs.indicators():
            t = totals.get(d.code)
            if t is None:
                continue
            extra = json.loads(t.detail or "{}")
            targets = tuple(
                defs.TargetDef(d.code, lv, yr, tx, *defs.parse_target(tx))
                for lv, yr, tx in extra.get("targets", [])
            )
            results.append(
                IndicatorResult(
                    code=d.code,
                    label_vi=by_code[d.code].label_vi,
                    name_vi=d.name_vi,
                    name_en=d.name_en,
                    unit=t.unit,
                    unit_label=defs.UNITS[t.unit][0],
                    method=d.method,
                    status=t.status,
                    value=t.value,
                    numerator=t.numerator,
                    denominator=t.denominator,
                    definition_vi=extra.get("definition", ""),
                    responsible_units=d.responsible_units,
                    targets=targets,
                    cells=tuple(_order_cells(cells.get(d.code, []), d.disaggregations)),
                    missing_reason=extra.get("reason", ""),
                    book_estimate=extra.get("estimate"),
                    notes=tuple(extra.get("notes", [])),
                )
            )
    return tuple(results), period


def _order_cells(cells: list[Cell], dims: tuple[str, ...]) -> list[Cell]:
    return sorted(
        cells,
        key=lambda c: (
            dims.index(c.dimension) if c.dimension in dims else 99,
            cell_sort_key(c.dimension, c.key, c.label),
        ),
    )


def period_label(code: str) -> str:
    """ "2026-H1" → "6 tháng đầu năm 2026"; "2026" → "năm 2026"."""
    year, kind = parse_period(code)
    return f"{TYPE_NAMES[kind]} {year}"


def fmt_value(value: float | None, unit: str) -> str:
    """A value as printed: "—" for none, Vietnamese decimal comma, counts as integers."""
    if value is None:
        return "—"
    if unit in ("count",):
        return f"{round(value):,}".replace(",", ".")
    if unit == "yes_no":
        return "Có" if value >= 1 else "Không"
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def starting_text(report: IndicatorReport) -> dict[str, str]:
    """The narrative's starting text, filled from the numbers (the officer edits it)."""
    p = report.period
    lines = [
        f"Tính đến ngày {format_vn_date(p.reference)}, kết quả thực hiện các chỉ tiêu về trẻ em "
        "như sau:"
    ]
    short = []
    for r in report.results:
        if r.status in {STATUS_COMPUTED, "typed"}:
            if r.value is None:
                continue
            text = f"- {r.label_vi}: {r.name_vi}: {fmt_value(r.value, r.unit)}"
            if r.unit != "count":
                text += f" {r.unit_label}"
                if r.numerator is not None and r.denominator is not None:
                    text += (
                        f" ({fmt_value(r.numerator, 'count')}/{fmt_value(r.denominator, 'count')})"
                    )
            lines.append(text + ".")
            target = r.target("commune", p.reference.year)
            if target is not None and target.value is not None and not _meets(r, target):
                short.append(
                    f"- {r.label_vi} ({r.name_vi}) chưa đạt mục tiêu của xã ({target.text})."
                )
    missing = [r.code for r in report.results if r.status == "missing"]
    causes = ["- (Cán bộ ghi nguyên nhân của các tồn tại, hạn chế.)"]
    if missing:
        causes.append(f"- Còn {len(missing)} chỉ tiêu chưa có số liệu: {', '.join(missing)}.")
    return {
        "results": "\n".join(lines),
        "shortcomings": "\n".join(short) or "- Chưa phát hiện chỉ tiêu không đạt mục tiêu.",
        "causes": "\n".join(causes),
        "tasks": "- Tiếp tục cập nhật sổ theo dõi trẻ em; phối hợp các ngành thu thập số liệu.",
        "proposals": "- (Cán bộ ghi đề xuất, kiến nghị với cấp trên.)",
    }


def _meets(r: IndicatorResult, target: defs.TargetDef) -> bool:
    assert target.value is not None and r.value is not None
    op = target.op or "="
    v, t = r.value, target.value
    if op == "<":
        return v < t
    if op == "<=":
        return v <= t
    if op == ">":
        return v > t
    if op == ">=":
        return v >= t
    # "=": a level to reach; direction from better_when
    d = defs.indicator(r.code)
    return v <= t if d.better_when == "lower" else v >= t


def _decision_view(d: object) -> DecisionView:
    from desktop.core.storage.models import UpstreamDecision

    assert isinstance(d, UpstreamDecision)
    return DecisionView(
        d.period_code,
        d.report_id,
        d.report_version,
        d.decision,
        d.comment,
        d.decided_by,
        d.decided_at,
    )


def _history(
    session: object, code: str, decisions: Sequence[DecisionView]
) -> tuple[HistoryLine, ...]:
    from sqlalchemy.orm import Session

    assert isinstance(session, Session)
    lines: list[HistoryLine] = []
    for row in session.scalars(
        select(PeriodicReport).where(
            PeriodicReport.period_code == code, PeriodicReport.deleted.is_(False)
        )
    ):
        if row.finalised_at is not None:
            lines.append(
                HistoryLine(
                    row.finalised_at,
                    f"Phiên bản {row.report_version}: chốt số liệu ({row.finalised_by})",
                )
            )
        if row.reopened_at is not None:
            lines.append(
                HistoryLine(
                    row.reopened_at,
                    f"Phiên bản {row.report_version}: mở lại ({row.reopened_by})",
                    row.reopen_reason,
                    "reopened",
                )
            )
    for d in decisions:
        lines.append(
            HistoryLine(
                d.decided_at,
                f"Phiên bản {d.report_version}: cấp trên "
                + ("duyệt" if d.decision == "approved" else "trả lại")
                + f" ({d.decided_by})",
                d.comment,
                "decision",
            )
        )
    lines.sort(key=lambda h: h.at)
    return tuple(lines)


def reports_due(book: Book, today: date) -> tuple[ReportDue, ...]:
    """The home screen's "Báo cáo đến hạn" lines: this year's reports not finalised that are
    late or due within DUE_SOON_DAYS (each opens the periodic report screen on its period)."""
    if not book.user.may(Action.REPORT):
        return ()
    return tuple(
        ReportDue(
            f"{item.name_vi}: {item.status_vi}",  # "…: Quá hạn 31 ngày" / "…: Còn 5 ngày"
            item.due,
            "overdue" if item.status == "late" else "due_soon",
            area="periodic",
            key=item.period_code,
        )
        for item in IndicatorService(book).due_items(today)
        if item.status in ("late", "due_soon")
    )


if reports_due not in REPORTS_DUE:
    REPORTS_DUE.append(reports_due)
