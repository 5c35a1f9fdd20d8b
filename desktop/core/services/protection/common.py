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

from desktop.core.domain.errors import FieldProblem, ValidationError
from desktop.core.domain.permissions import Action, PermissionDenied
from desktop.core.services.book import CurrentUser
from desktop.core.services.children import NeedsConfirmation

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
