"""What the home screen says, gathered off the GUI thread from the services that know it.

Each line names something that needs the officer and the list it opens (``Target``). The
book's own lines (children turning 16, records with missing fields, sync, last backup) come
from the children, sync and backup services; the case clocks, the children in special
circumstances not yet supported and the reports due (``REPORTS_DUE`` providers, filled by the
indicators work) from the protection service's home summary.
"""

from __future__ import annotations

import calendar
import logging
from dataclasses import dataclass, field
from datetime import date, timedelta

from PySide6.QtCore import QCoreApplication

from desktop.core.domain.child_rules import FLAG_LABELS, Flag
from desktop.core.domain.dates import format_vn_date
from desktop.core.domain.permissions import Action, allowed
from desktop.core.services import indicators as _indicators  # also registers reports due
from desktop.core.services.backup import BackupService
from desktop.core.services.book import Book
from desktop.core.services.book_index import ChildQuery
from desktop.core.services.children import ChildService
from desktop.core.services.protection import CaseClockRow, ProtectionHome, ProtectionHomeService
from desktop.core.sync_service import SyncService
from desktop.ui.messages import log_unexpected
from desktop.ui.sync.models import format_datetime
from sync import clock

log = logging.getLogger(__name__)


def _tr(text: str) -> str:
    return QCoreApplication.translate("HomeView", text)


# Levels, most urgent first: how a line is coloured and ordered.
OVERDUE, SOON, TO_DO, OK = "overdue", "soon", "todo", "ok"

# Records with missing fields: the alerts the home screen counts (the list filters by them).
MISSING_FLAGS = (
    Flag.BIRTH_OVERDUE,
    Flag.BIRTH_UNREGISTERED,
    Flag.UNDER6_NO_INSURANCE,
    Flag.ID_MISSING,
)
_PERSONAL_FLAGS = {Flag.ID_MISSING, Flag.ID_TO_CHECK}


@dataclass(frozen=True)
class Target:
    """Which list a line opens: an area of the main window and how it is filtered."""

    area: str  # "children" | "turning16" | "sync" | "backup" | "special" | "cases" | ...
    flag: str | None = None  # children list: a Flag value
    ids: tuple[str, ...] = ()  # a fixed list of persons (children turning 16)
    options: tuple[tuple[str, str], ...] = ()  # area-specific filters (e.g. supported="no")


@dataclass(frozen=True)
class HomeLine:
    """One line: the sentence, how urgent, and the list it opens (None: nothing to open)."""

    key: str
    text: str
    level: str = TO_DO
    target: Target | None = None
    tooltip: str = ""


@dataclass(frozen=True)
class HomeSection:
    """A heading and its lines; ``empty`` is said when there are none."""

    key: str
    title: str
    lines: tuple[HomeLine, ...]
    empty: str = ""


@dataclass(frozen=True)
class HomeSummary:
    """Everything on the home screen, in order."""

    on: date
    sections: tuple[HomeSection, ...] = field(default_factory=tuple)

    def line(self, key: str) -> HomeLine | None:
        """The line with ``key`` (tests and navigation)."""
        for section in self.sections:
            for line in section.lines:
                if line.key == key:
                    return line
        return None


def month_bounds(on: date) -> tuple[date, date]:
    """First and last day of ``on``'s month."""
    last = calendar.monthrange(on.year, on.month)[1]
    return on.replace(day=1), on.replace(day=last)


def turning_sixteen(book: Book, on: date) -> list[str]:
    """Ids of the children whose 16th birthday falls in ``on``'s month (oldest first).

    The children list of the day before the month began, less that of its last day.
    """
    service = ChildService(book)
    first, last = month_bounds(on)
    query = ChildQuery(population="children", order="birth")
    before = service.search(query, first - timedelta(days=1))
    after = set(service.search(query, last))
    return [pid for pid in before if pid not in after]


def _book_section(book: Book, on: date) -> HomeSection:
    user = book.user
    service = ChildService(book)
    lines: list[HomeLine] = []
    ids = turning_sixteen(book, on)
    if ids:
        lines.append(
            HomeLine(
                "turning16",
                _tr("{n} trẻ đủ 16 tuổi trong tháng {m}").format(
                    n=len(ids), m=f"{on.month:02d}/{on.year}"
                ),
                TO_DO,
                Target("turning16", ids=tuple(ids)),
                _tr("Các em ra khỏi danh sách trẻ em đang theo dõi vào ngày sinh nhật 16 tuổi."),
            )
        )
    for flag in MISSING_FLAGS:
        if flag in _PERSONAL_FLAGS and not user.may(Action.VIEW_PERSONAL):
            continue
        count = len(service.search(ChildQuery(flags=frozenset({flag})), on))
        if count:
            lines.append(
                HomeLine(
                    f"missing:{flag.value}",
                    _tr("{n} trẻ: {what}").format(n=count, what=_tr(FLAG_LABELS[flag]).lower()),
                    TO_DO,
                    Target("children", flag=flag.value),
                    _tr("Mở danh sách trẻ em đã lọc theo cảnh báo này."),
                )
            )
    return HomeSection(
        "book",
        _tr("Sổ trẻ em"),
        tuple(lines),
        _tr("Không có trẻ đủ 16 tuổi trong tháng, không có hồ sơ thiếu thông tin."),
    )


def _state(value: str) -> str:
    return OVERDUE if value == "overdue" else SOON if value == "due_soon" else TO_DO


def _clock_line(row: CaseClockRow, level: str) -> HomeLine:
    who = f" — {row.children_text}" if row.children_text else ""
    return HomeLine(
        f"clock:{row.case_id}:{row.clock.kind}",
        _tr("Vụ việc số {n}{who}: {what} — {left}").format(
            n=row.case_no, who=who, what=_tr(row.clock.label), left=_tr(row.clock.left_text)
        ),
        level,
        Target("case", ids=(row.case_id,)),
        _tr("Hạn: {d}").format(d=format_datetime(row.clock.due_at)),
    )


def _protection_sections(book: Book, home: ProtectionHome) -> list[HomeSection]:
    role = book.user.role
    sections: list[HomeSection] = []
    if allowed(role, Action.VIEW_PROTECTION):
        clocks = [_clock_line(r, OVERDUE) for r in home.overdue]
        clocks += [_clock_line(r, SOON) for r in home.due_soon]
        if clocks:
            clocks.append(
                HomeLine(
                    "cases",
                    _tr("Mở danh sách vụ việc"),
                    TO_DO,
                    Target("cases", options=(("overdue", "yes"),) if home.overdue else ()),
                )
            )
        sections.append(
            HomeSection(
                "cases",
                _tr("Vụ việc bảo vệ trẻ em"),
                tuple(clocks),
                _tr("Không có mốc thời hạn nào quá hạn hoặc sắp đến hạn."),
            )
        )
        lines: list[HomeLine] = []
        coverage = home.coverage
        if home.unsupported_count:
            lines.append(
                HomeLine(
                    "unsupported",
                    _tr("{n} trẻ có hoàn cảnh đặc biệt chưa được trợ giúp ({p})").format(
                        n=home.unsupported_count,
                        p=coverage.period.label if coverage is not None else "",
                    ),
                    OVERDUE if coverage is not None and not coverage.meets_target else TO_DO,
                    Target("special", options=(("supported", "no"),)),
                )
            )
        if coverage is not None and coverage.total:
            lines.append(
                HomeLine(
                    "coverage",
                    _tr("{text} — chỉ tiêu {t} %").format(
                        text=coverage.text, t=coverage.target_percent
                    ),
                    OK if coverage.meets_target else SOON,
                    Target("special"),
                )
            )
        sections.append(
            HomeSection(
                "special",
                _tr("Trẻ em có hoàn cảnh đặc biệt"),
                tuple(lines),
                _tr("Chưa ghi trẻ em nào có hoàn cảnh đặc biệt."),
            )
        )
    return sections


def _reports_section(book: Book, home: ProtectionHome | None) -> HomeSection | None:
    if not allowed(book.user.role, Action.REPORT):
        return None
    lines = []
    for due in home.reports_due if home is not None else ():
        lines.append(
            HomeLine(
                f"report:{due.key or due.title}",
                _tr("{title} — hạn {d}").format(title=due.title, d=format_vn_date(due.due_on)),
                _state(due.state),
                Target(due.area or "reports", ids=(due.key,) if due.key else ()),
            )
        )
    lines.extend(_decision_lines(book))
    return HomeSection(
        "reports", _tr("Báo cáo đến hạn"), tuple(lines), _tr("Chưa có báo cáo nào đến hạn.")
    )


def _decision_lines(book: Book) -> list[HomeLine]:
    """Upstream's last decision on each recent report (received at sync)."""
    service = _indicators.IndicatorService(book)
    lines = []
    for decision in service.recent_decisions(clock.today()):
        code = decision.period_code
        # A return still to correct is urgent; a correction sent waits for the next decision.
        level = TO_DO if decision.decision == "returned" else OK
        if decision.to_correct:
            level = OVERDUE
        lines.append(
            HomeLine(
                f"decision:{code}",
                decision.text_vi,
                level,
                Target("periodic", ids=(code,)),
                _tr("Người quyết định: {who}").format(who=decision.decided_by),
            )
        )
    return lines


def _upkeep_section(book: Book, sync_service: SyncService | None) -> HomeSection:
    role = book.user.role
    lines: list[HomeLine] = []
    if sync_service is not None and allowed(role, Action.SYNC):
        status = sync_service.status()
        if not status.enrolled:
            text, level = _tr("Máy này chưa đăng ký đồng bộ với cấp trên"), TO_DO
        elif status.last_error:
            text, level = (
                _tr("Lần đồng bộ gần nhất bị lỗi: {e}").format(e=status.last_error),
                OVERDUE,
            )
        else:
            when = format_datetime(status.last_sync_at) or _tr("chưa đồng bộ lần nào")
            text = _tr("Đồng bộ gần nhất: {when}; chờ gửi: {n} thay đổi").format(
                when=when, n=status.pending
            )
            level = TO_DO if status.pending or status.last_sync_at is None else OK
        if status.conflicts or status.errors:
            text += _tr("; {c} xung đột, {e} bị từ chối").format(
                c=status.conflicts, e=status.errors
            )
            level = OVERDUE
        lines.append(HomeLine("sync", text, level, Target("sync")))
        # Former communes brought into this book whose merge upstream has not declared yet
        # (learnt at the last sync): the officer asks upstream to run "Gộp xã".
        for merge in sync_service.undeclared_merges():
            lines.append(
                HomeLine(
                    f"merge_upstream:{merge.former_code}",
                    merge.message_vi,
                    TO_DO,
                    Target("sync"),
                )
            )
    if allowed(role, Action.BACKUP):
        listings = [b for b in BackupService(book).list() if b.info is not None]
        if listings:
            newest = max(listings, key=lambda b: b.info.created_at if b.info else clock.now())
            assert newest.info is not None
            age = clock.now() - newest.info.created_at
            text = _tr("Sao lưu gần nhất: {when} ({kind})").format(
                when=format_datetime(newest.info.created_at), kind=newest.info.kind_label.lower()
            )
            level = OVERDUE if age > timedelta(days=7) else OK
        else:
            text, level = _tr("Chưa có bản sao lưu nào của sổ"), OVERDUE
        lines.append(HomeLine("backup", text, level, Target("backup")))
    return HomeSection("upkeep", _tr("Đồng bộ và sao lưu"), tuple(lines))


def collect(book: Book, on: date, sync_service: SyncService | None) -> HomeSummary:
    """The whole home screen for ``on`` (runs on the worker thread)."""
    sections: list[HomeSection] = []
    home: ProtectionHome | None = None
    try:
        home = ProtectionHomeService(book).summary()
    except Exception as exc:  # one failing source must not blank the whole screen
        log.warning("Home screen: the protection summary failed")
        log_unexpected(exc)
    if home is not None:
        sections += _protection_sections(book, home)
    if allowed(book.user.role, Action.VIEW_BOOK):
        sections.append(_book_section(book, on))
    reports = _reports_section(book, home)
    if reports is not None:
        sections.append(reports)
    upkeep = _upkeep_section(book, sync_service)
    if upkeep.lines:
        sections.append(upkeep)
    return HomeSummary(on, tuple(sections))
