"""The security screens (backup, users, audit) a role may open, as areas of the main window.

The main window installs the rest itself (password button, idle-lock setting, warnings).
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QWidget

from desktop.core.domain.permissions import Action, allowed
from desktop.core.services.book import Book
from desktop.ui.security.audit_view import AuditView
from desktop.ui.security.backup_view import BackupView
from desktop.ui.security.users_view import UsersView

Area = tuple[str, QWidget]


def _tr(text: str) -> str:
    return QCoreApplication.translate("MainWindow", text)


def _may(book: Book, action: Action) -> bool:
    # By role: an account that must first change its password still gets its screens after.
    return allowed(book.user.role, action)


def security_areas(book: Book) -> list[Area]:
    """The security areas the user's role may open."""
    found: list[Area] = []
    if _may(book, Action.BACKUP):
        found.append((_tr("Sao lưu"), BackupView(book)))
    if _may(book, Action.MANAGE_USERS):
        found.append((_tr("Người dùng"), UsersView(book)))
    if _may(book, Action.VIEW_AUDIT):
        found.append((_tr("Nhật ký"), AuditView(book)))
    return found
