"""How the security screens join the main window: areas by role, password change, warnings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QLabel, QPushButton, QWidget

from desktop.core.domain.permissions import Action, allowed
from desktop.core.services.access import HIDDEN_NOTE
from desktop.core.services.book import Book
from desktop.ui import messages
from desktop.ui.security.audit_view import AuditView
from desktop.ui.security.backup_view import BackupView
from desktop.ui.security.password_dialog import ChangePasswordDialog
from desktop.ui.security.users_view import UsersView

if TYPE_CHECKING:
    from desktop.ui.main_window import MainWindow

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


def install_security(window: MainWindow) -> None:
    """Password button, idle-lock setting, a forced password change, start-up warnings."""
    book = window.book
    button = QPushButton(window.tr("Đổi mật khẩu…"))
    button.setFlat(True)
    button.setMinimumWidth(button.fontMetrics().horizontalAdvance(button.text()) + 32)
    button.setObjectName("changePassword")
    window.statusBar().addPermanentWidget(button)
    window.change_password_button = button  # type: ignore[attr-defined]
    button.clicked.connect(lambda: open_change_password(window))
    for _title, widget in window.areas:
        if isinstance(widget, UsersView):
            widget.idle_minutes_changed.connect(lambda m: set_idle_minutes(window, m))
    if book.user.must_change_password:
        force_password_change(window)
    if not book.user.may(Action.VIEW_PERSONAL):
        # Say why ID numbers, phones and addresses are empty (they are hidden, not missing).
        note = QLabel(_tr(HIDDEN_NOTE))
        note.setObjectName("hintLabel")
        window.statusBar().addWidget(note)
    for warning in book.warnings:
        messages.show_error(window, warning, title=window.tr("Cần chú ý"))


def set_idle_minutes(window: MainWindow, minutes: int) -> None:
    """Apply a new idle-lock time at once."""
    window.idle_minutes = minutes
    window.idle.timeout_ms = minutes * 60_000
    window.idle.start()


def open_change_password(window: MainWindow) -> ChangePasswordDialog:
    """The optional password change."""
    dialog = ChangePasswordDialog(window.book, window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.changed.connect(lambda: messages.show_message(window, window.tr("Đã đổi mật khẩu.")))
    dialog.open()
    return dialog


def force_password_change(window: MainWindow) -> ChangePasswordDialog:
    """Cover the data and ask for a new password before anything else."""
    window.navigation.setEnabled(False)
    window.stack.setCurrentWidget(window.locked_cover)
    dialog = ChangePasswordDialog(window.book, window, forced=True)
    window.forced_password_dialog = dialog  # type: ignore[attr-defined]

    def changed() -> None:
        window.navigation.setEnabled(True)
        row = max(0, window.navigation.currentRow())
        window.navigation.setCurrentRow(row)
        window.stack.setCurrentWidget(window.areas[row][1])
        dialog.deleteLater()

    dialog.changed.connect(changed)
    dialog.quit_requested.connect(window.close)
    dialog.open()
    return dialog
