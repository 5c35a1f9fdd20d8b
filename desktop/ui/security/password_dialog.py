"""Change one's own password; forced (no way around it) after an administrator's reset."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.core.domain.errors import ValidationError
from desktop.core.services.book import Book
from desktop.core.services.users import UserService
from desktop.ui import messages
from desktop.ui.ops import run_op
from desktop.ui.widgets import ErrorLabel, PasswordStrength


def password_field() -> QLineEdit:
    """A line edit that hides what is typed."""
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    return field


class ChangePasswordDialog(QDialog):
    """Old password, new password twice. ``forced``: cannot be cancelled (only quit)."""

    changed = Signal()
    quit_requested = Signal()

    def __init__(self, book: Book, parent: QWidget | None = None, *, forced: bool = False) -> None:
        super().__init__(parent)
        self._book = book
        self._forced = forced
        self._busy = False
        self.setWindowTitle(self.tr("Đổi mật khẩu"))
        intro = QLabel(
            self.tr(
                "Quản trị viên vừa đặt lại mật khẩu của bạn. Hãy đặt mật khẩu mới của riêng "
                "bạn trước khi làm việc; không ai khác (kể cả quản trị viên) được biết mật khẩu "
                "này."
            )
            if forced
            else self.tr("Mật khẩu mới chỉ áp dụng cho tài khoản {u}.").format(u=book.user.username)
        )
        intro.setWordWrap(True)
        self.old_password = password_field()
        self.new_password = password_field()
        self.new_password2 = password_field()
        self.strength = PasswordStrength()
        self.errors = {name: ErrorLabel() for name in ("old", "new", "again")}
        form = QFormLayout()
        form.addRow(self.tr("Mật khẩu hiện tại:"), self.old_password)
        form.addRow("", self.errors["old"])
        form.addRow(self.tr("Mật khẩu mới:"), self.new_password)
        form.addRow("", self.strength)
        form.addRow("", self.errors["new"])
        form.addRow(self.tr("Nhập lại mật khẩu mới:"), self.new_password2)
        form.addRow("", self.errors["again"])
        self.buttons = QDialogButtonBox()
        self.ok_button = self.buttons.addButton(
            self.tr("Đổi mật khẩu"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.ok_button.setObjectName("primary")
        if forced:
            self.setWindowFlag(Qt.WindowType.WindowCloseButtonHint, False)
            self.quit_button = self.buttons.addButton(
                self.tr("Thoát chương trình"), QDialogButtonBox.ButtonRole.RejectRole
            )
            self.quit_button.clicked.connect(self.quit_requested.emit)
        else:
            self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
            self.buttons.rejected.connect(super().reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.ok_button.clicked.connect(self.submit)
        self.new_password.textChanged.connect(
            lambda text: self.strength.update_for(text, book.user.username)
        )
        self.setMinimumWidth(520)

    def reject(self) -> None:
        """Escape closes only an optional change."""
        if not self._forced:
            super().reject()

    def submit(self) -> None:
        """Check the form, then change the password in the background."""
        if self._busy:
            return
        for label in self.errors.values():
            label.show_message("")
        old, new = self.old_password.text(), self.new_password.text()
        if not old:
            self.errors["old"].show_message(self.tr("Hãy nhập mật khẩu hiện tại."))
            return
        if new != self.new_password2.text():
            self.errors["again"].show_message(self.tr("Hai lần nhập mật khẩu không giống nhau."))
            return
        self._busy = True
        self.ok_button.setEnabled(False)
        service = UserService(self._book)
        run_op(
            self,
            lambda: service.change_own_password(old, new),
            success=self._done,
            failure=self._failed,
            label=self.tr("Đang đổi mật khẩu…"),
        )

    def _done(self, _none: object) -> None:
        self._busy = False
        for field in (self.old_password, self.new_password, self.new_password2):
            field.clear()
        self.changed.emit()
        self.done(QDialog.DialogCode.Accepted)

    def _failed(self, exc: BaseException) -> None:
        self._busy = False
        self.ok_button.setEnabled(True)
        if isinstance(exc, ValidationError):
            grouped: dict[str, list[str]] = {"old": [], "new": []}
            for problem in exc.problems:
                grouped["old" if problem.field == "old_password" else "new"].append(problem.message)
            grouped["new"] = self.strength.not_shown(grouped["new"])
            for target, texts in grouped.items():
                self.errors[target].show_message("\n".join(texts))
            return
        messages.show_exception(self, exc)
