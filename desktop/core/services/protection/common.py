"""What the protection services share: the reporting period, the role rules, the errors.

Roles (``domain/permissions.py``):

- ``VIEW_PROTECTION``: the lists of special circumstances, risks, supports, injuries, labour
  and marriage, and the case list — administrator, officer, collaborator (own hamlets only).
- ``EDIT_PROTECTION``: record episodes, supports, injuries, labour and marriage records —
  administrator, officer, collaborator (own hamlets; not groups 5 and 11).
- ``VIEW_SENSITIVE`` / ``EDIT_SENSITIVE``: case details, HIV status (group 5), sexual-abuse
  sub-types — administrator and officer only. Other roles get the rows with those fields left
  out (``hidden`` is True on such a row) in lists, prints and exports.
- ``VIEW_INFORMANT``: who reported a case — administrator and officer; never synced, exported
  or printed except on the intake form.
- ``SETTINGS``: the risk categories and the holiday calendar — administrator.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from desktop.core.domain.dates import format_vn_date
from desktop.core.domain.errors import FieldProblem, ValidationError
from desktop.core.domain.permissions import Action, PermissionDenied
from desktop.core.domain.text import clean_text
from desktop.core.services import access
from desktop.core.services.book import Book, CurrentUser
from desktop.core.services.children import NeedsConfirmation
from desktop.core.storage.audit_hook import AuditAction
from desktop.core.storage.repositories import protection as repo
from desktop.core.storage.repositories.protection import PersonFacts
from sync import clock

__all__ = [
    "HIDDEN_SENSITIVE_NOTE",
    "FieldProblem",
    "NeedsConfirmation",
    "Period",
    "PermissionDenied",
    "ValidationError",
    "current_period",
    "may_see_sensitive",
]

SUPPORT_TARGET_PERCENT = 90  # KH-HoangMai-2024: at least 90 % of HCĐB children supported
HIDDEN_SENSITIVE_NOTE = (
    "Tài khoản của bạn không được xem thông tin nhạy cảm: chi tiết vụ việc, tình trạng HIV "
    "và loại xâm hại tình dục được ẩn."
)


@dataclass(frozen=True)
class Period:
    """A reporting period, both ends included (the support coverage is counted over it)."""

    start: date
    end: date

    @property
    def label(self) -> str:
        """E.g. "năm 2026" or "01/01/2026 – 30/06/2026"."""
        if (self.start.month, self.start.day, self.end.month, self.end.day) == (1, 1, 12, 31) and (
            self.start.year == self.end.year
        ):
            return f"năm {self.start.year}"
        return f"{self.start:%d/%m/%Y} – {self.end:%d/%m/%Y}"

    def contains(self, day: date) -> bool:
        """True if ``day`` is in the period."""
        return self.start <= day <= self.end


def current_period(today: date) -> Period:
    """The period that counts on ``today``: the calendar year (the annual plan's target)."""
    return Period(date(today.year, 1, 1), date(today.year, 12, 31))


def may_see_sensitive(user: CurrentUser) -> bool:
    """Case details, HIV status, sexual-abuse sub-types."""
    return user.may(Action.VIEW_SENSITIVE)


# -- helpers the protection services share ---------------------------------------------------

NOT_IN_BOOK = "Không còn trong sổ."


def require_view(user: CurrentUser) -> None:
    """The protection lists (PermissionDenied for viewers)."""
    user.require(Action.VIEW_PROTECTION)


def require_edit(user: CurrentUser) -> None:
    """Recording protection data."""
    user.require(Action.EDIT_PROTECTION)


def require_reason(reason: str) -> str:
    """The cleaned reason of a removal, or ValidationError on ``reason``."""
    why = clean_text(reason)
    if not why:
        raise ValidationError(FieldProblem("reason", "Hãy ghi lý do xóa (ghi nhầm, trùng …)."))
    return why


def check_person(
    session: Session, user: CurrentUser, person_id: str | None, field: str = "person_id"
) -> PersonFacts:
    """The facts of a person of the book the user may see, or ValidationError / PermissionDenied."""
    if not person_id:
        raise ValidationError(FieldProblem(field, "Chưa chọn trẻ."))
    facts = repo.person_facts(session, [person_id]).get(person_id)
    if facts is None or facts.deleted:
        raise ValidationError(FieldProblem(field, f"Trẻ này {NOT_IN_BOOK.lower()}"))
    if not access.in_scope(user, facts.hamlet_id):
        access.require_hamlet(user, facts.hamlet_id)
    return facts


def left_on(facts: PersonFacts) -> date | None:
    """The day a person left the book (moved out or died), if they did."""
    if facts.status in ("moved_out", "dead") and facts.status_date is not None:
        return facts.status_date
    return None


def presence_problem(facts: PersonFacts, day: date, field: str, what: str) -> FieldProblem | None:
    """A record dated ``day`` for a person not born yet, or gone (moved out, died) by then."""
    if day < facts.birth_date:
        return FieldProblem(
            field,
            f"{what}: ngày {format_vn_date(day)} trước ngày sinh của trẻ "
            f"({format_vn_date(facts.birth_date)}).",
        )
    gone = left_on(facts)
    if gone is not None and day > gone:
        how = "tử vong" if facts.status == "dead" else "chuyển đi"
        return FieldProblem(
            field,
            f"{what}: ngày {format_vn_date(day)} trẻ đã {how} (từ {format_vn_date(gone)}).",
        )
    return None


def future_problem(day: date | None, today: date, field: str, label: str) -> FieldProblem | None:
    """A date after today, or missing."""
    if day is None:
        return FieldProblem(field, f"{label}: chưa nhập (dạng dd/mm/yyyy).")
    if day > today:
        return FieldProblem(
            field, f"{label} {format_vn_date(day)} ở sau ngày hôm nay ({format_vn_date(today)})."
        )
    return None


def raise_if(problems: list[FieldProblem | None]) -> None:
    """ValidationError with every problem given (None entries ignored)."""
    found = [p for p in problems if p is not None]
    if found:
        raise ValidationError(found)


def audit_view(book: Book, table: str, record_ids: list[str], fields: list[str]) -> None:
    """One audit line per record shown with sensitive fields (a view)."""
    from desktop.core.services.audit import record_views

    record_views(book, table, record_ids, fields)


def audit_list(book: Book, table: str, what: dict[str, object]) -> None:
    """One audit line for a list shown (its filters and how many rows)."""
    from desktop.core.services.audit import record_event

    record_event(book, AuditAction.VIEW, table_name=table, after=what)


def today_of(on: date | None) -> date:
    """``on`` or today in Vietnam."""
    return on if on is not None else clock.today()
