"""What each role may do. Services call ``require`` before acting; the UI hides what is denied."""

from __future__ import annotations

import enum

from desktop.core.domain.roles import Role


class Action(enum.StrEnum):
    """Things a person can do with the book."""

    VIEW_BOOK = "view_book"  # households and children, basic fields
    EDIT_BOOK = "edit_book"  # add and change households, children, events
    VIEW_PERSONAL = "view_personal"  # ID numbers, phone numbers, insurance cards, addresses
    VIEW_SENSITIVE = "view_sensitive"  # disability, special circumstances, cases, abuse
    EDIT_SENSITIVE = "edit_sensitive"
    # Child protection: special circumstances, risks, supports, injuries, labour, marriage;
    # the case list (details need VIEW_SENSITIVE). Collaborators: their own hamlets only.
    VIEW_PROTECTION = "view_protection"
    EDIT_PROTECTION = "edit_protection"
    VIEW_INFORMANT = "view_informant"  # who reported a case: never leaves this PC
    IMPORT = "import"
    EXPORT = "export"  # lists and reports with personal data leave the app
    REPORT = "report"  # aggregate reports (numbers, no names)
    SYNC = "sync"
    BACKUP = "backup"
    RESTORE = "restore"
    MANAGE_USERS = "manage_users"
    VIEW_AUDIT = "view_audit"
    SETTINGS = "settings"
    # Bring a former commune's book into this one (the 2025 commune mergers).
    MERGE_BOOKS = "merge_books"


_ALL = frozenset(Action)
_PERMISSIONS: dict[Role, frozenset[Action]] = {
    Role.ADMIN: _ALL,
    # The audit trail shows who looked at which child: only administrators read it.
    # Bringing in a former commune's book changes the whole book: administrators only.
    Role.OFFICER: _ALL
    - {
        Action.MANAGE_USERS,
        Action.RESTORE,
        Action.SETTINGS,
        Action.VIEW_AUDIT,
        Action.MERGE_BOOKS,
    },
    # Collaborators collect data in their own hamlets: they never see case details.
    # They record the special circumstances, supports and injuries of their hamlets.
    Role.COLLABORATOR: frozenset(
        {
            Action.VIEW_BOOK,
            Action.EDIT_BOOK,
            Action.VIEW_PERSONAL,
            Action.VIEW_PROTECTION,
            Action.EDIT_PROTECTION,
        }
    ),
    # Viewers read the book and its aggregate reports, without personal or sensitive fields.
    Role.VIEWER: frozenset({Action.VIEW_BOOK, Action.REPORT}),
}

_DENIED_TEXT = {
    Action.EDIT_BOOK: "sửa sổ",
    Action.VIEW_PERSONAL: "xem số định danh, số điện thoại, thẻ BHYT",
    Action.VIEW_SENSITIVE: "xem thông tin nhạy cảm (hoàn cảnh đặc biệt, vụ việc)",
    Action.EDIT_SENSITIVE: "sửa thông tin nhạy cảm",
    Action.VIEW_PROTECTION: "xem danh sách bảo vệ trẻ em",
    Action.EDIT_PROTECTION: "ghi thông tin bảo vệ trẻ em",
    Action.VIEW_INFORMANT: "xem thông tin người báo tin",
    Action.IMPORT: "nhập dữ liệu từ tệp",
    Action.EXPORT: "xuất danh sách có thông tin cá nhân",
    Action.REPORT: "xem báo cáo",
    Action.SYNC: "đồng bộ",
    Action.BACKUP: "sao lưu",
    Action.RESTORE: "khôi phục dữ liệu",
    Action.MANAGE_USERS: "quản lý người dùng",
    Action.VIEW_AUDIT: "xem nhật ký",
    Action.SETTINGS: "thay đổi cài đặt",
    Action.MERGE_BOOKS: "gộp sổ của xã cũ (chỉ quản trị viên)",
}


class PermissionDenied(Exception):
    """The current user's role does not allow the action; ``message_vi`` says which."""

    def __init__(self, message_vi: str) -> None:
        super().__init__(message_vi)
        self.message_vi = message_vi


def allowed(role: Role, action: Action) -> bool:
    """True if ``role`` may do ``action``."""
    return action in _PERMISSIONS[role]


def require(role: Role, action: Action) -> None:
    """Raise PermissionDenied unless ``role`` may do ``action``."""
    if not allowed(role, action):
        what = _DENIED_TEXT.get(action, "làm việc này")
        raise PermissionDenied(f"Tài khoản của bạn không có quyền {what}.")
