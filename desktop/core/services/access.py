"""Role rules applied to what the book services return: hamlet scope and hidden personal fields.

Collaborators see and edit only the households of their own hamlets. People without
``VIEW_PERSONAL`` (viewers) get the same rows with personal fields blanked, and the screens
say so. A household shown with its personal fields is recorded in the audit trail as a view.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from desktop.core.domain.permissions import Action, PermissionDenied
from desktop.core.domain.roles import Role
from desktop.core.services.book import Book, CurrentUser
from desktop.core.storage.audit_hook import AuditAction

if TYPE_CHECKING:
    from desktop.core.services.records import HouseholdForm, HouseholdRow

HIDDEN_NOTE = "Tài khoản chỉ xem: số định danh, số điện thoại và địa chỉ được ẩn."
HOUSEHOLD_PERSONAL_FIELDS = ("address", "phone")
CHILD_PERSONAL_FIELDS = ("id_number",)

_OUT_OF_SCOPE = (
    "Tài khoản cộng tác viên chỉ được xem và sửa hộ thuộc thôn được phân công. "
    "Hãy nhờ cán bộ phụ trách trẻ em nếu cần thay đổi."
)


def may_see_personal(user: CurrentUser) -> bool:
    """True if ``user`` may see ID numbers, phone numbers and addresses."""
    return user.may(Action.VIEW_PERSONAL)


def in_scope(user: CurrentUser, hamlet_id: str | None) -> bool:
    """True if ``user`` may see households of ``hamlet_id``."""
    return user.hamlet_ids is None or (hamlet_id is not None and hamlet_id in user.hamlet_ids)


def require_hamlet(user: CurrentUser, hamlet_id: str | None) -> None:
    """PermissionDenied unless ``hamlet_id`` is one of a collaborator's hamlets."""
    if not in_scope(user, hamlet_id):
        raise PermissionDenied(_OUT_OF_SCOPE)


def require_whole_book(user: CurrentUser, action: Action) -> None:
    """``action`` on the whole commune (e.g. adding a hamlet): not for collaborators."""
    user.require(action)
    if user.role == Role.COLLABORATOR:
        raise PermissionDenied(
            "Cộng tác viên không thêm hoặc sửa danh sách thôn. Hãy nhờ cán bộ phụ trách trẻ em."
        )


def household_rows_for(
    user: CurrentUser, rows: Sequence[HouseholdRow], hamlet_ids_by_name: dict[str, str]
) -> list[HouseholdRow]:
    """The list rows ``user`` may see, with the address blanked for viewers."""
    visible = [
        row
        for row in rows
        if user.hamlet_ids is None or in_scope(user, hamlet_ids_by_name.get(row.hamlet_name))
    ]
    if may_see_personal(user):
        return visible
    return [replace(row, address="") for row in visible]


def household_form_for(book: Book, form: HouseholdForm) -> HouseholdForm:
    """The household as ``book.user`` may see it; a view with personal fields is audited."""
    user = book.user
    require_hamlet(user, form.hamlet_id)
    if not may_see_personal(user):
        return replace(
            form,
            address="",
            phone="",
            children=[replace(child, id_number="") for child in form.children],
        )
    from desktop.core.services.audit import record_event

    record_event(
        book,
        AuditAction.VIEW,
        table_name="households",
        record_id=form.id or "",
        after={
            "fields": [*HOUSEHOLD_PERSONAL_FIELDS, *CHILD_PERSONAL_FIELDS],
            "persons": [child.id for child in form.children if child.id],
        },
    )
    return form


# -- the periodic report's life (chốt số liệu) -------------------------------------------------

REPORT_STEPS = ("review", "finalise", "reopen")


def report_step_refusal(user: CurrentUser, step: str) -> str:
    """Why ``user`` may not take ``step`` ("review", "finalise", "reopen") of a periodic
    report, in Vietnamese; "" when allowed. The service enforces it, the screen shows it."""
    if step == "reopen":
        if not user.may(Action.SETTINGS):
            return "Chỉ quản trị viên được mở lại báo cáo đã chốt số liệu (ghi rõ lý do)."
        return ""
    if step not in REPORT_STEPS:
        raise ValueError(f"unknown report step {step!r}")
    if step == "review":
        if not user.may(Action.EDIT_BOOK):
            return "Tài khoản chỉ xem không đánh dấu đã rà soát được."
        return ""
    if not user.may(Action.EDIT_BOOK) or user.role not in (Role.ADMIN, Role.OFFICER):
        return "Chỉ cán bộ phụ trách trẻ em hoặc quản trị viên được chốt số liệu."
    return ""


def require_report_step(user: CurrentUser, step: str) -> None:
    """PermissionDenied (with the reason) unless ``user`` may take ``step``."""
    reason = report_step_refusal(user, step)
    if reason:
        raise PermissionDenied(reason)
