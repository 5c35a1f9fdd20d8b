"""Ask for a password before an export; warn when the file holds personal data."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from desktop.core.reports.protect import ExportProtection, export_password_problems
from desktop.ui.security.password_dialog import password_field
from desktop.ui.widgets import ErrorLabel


class ExportPasswordDialog(QDialog):
    """A password for the exported file; for personal data, no password needs a tick."""

    chosen = Signal(object)  # ExportProtection

    def __init__(self, parent: QWidget | None = None, *, sensitive: bool) -> None:
        super().__init__(parent)
        self._sensitive = sensitive
        self.setWindowTitle(self.tr("Mật khẩu cho tệp xuất ra"))
        text = (
            self.tr(
                "Tệp này chứa thông tin cá nhân của trẻ em (họ tên, ngày sinh, số định danh, "
                "hoàn cảnh…). Ai có tệp là đọc được, kể cả khi tệp bị gửi nhầm hoặc mất USB. "
                "Hãy đặt mật khẩu và báo mật khẩu cho người nhận qua đường khác (gọi điện)."
            )
            if sensitive
            else self.tr(
                "Người mở tệp sẽ phải nhập mật khẩu này. Báo mật khẩu cho người nhận qua đường "
                "khác với đường gửi tệp."
            )
        )
        intro = QLabel(text)
        intro.setWordWrap(True)
        if sensitive:
            intro.setObjectName("errorLabel")
        self.password = password_field()
        self.password2 = password_field()
        self.no_password = QCheckBox(
            self.tr("Xuất không có mật khẩu (tôi tự chịu trách nhiệm giữ tệp)")
        )
        self.no_password.setVisible(sensitive)
        self.error = ErrorLabel()
        form = QFormLayout()
        form.addRow(self.tr("Mật khẩu của tệp:"), self.password)
        form.addRow(self.tr("Nhập lại:"), self.password2)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = buttons.addButton(
            self.tr("Xuất tệp"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.ok_button.setObjectName("primary")
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.no_password)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.ok_button.clicked.connect(self.submit)
        buttons.rejected.connect(self.reject)
        self.no_password.toggled.connect(self._toggled)
        self.setMinimumWidth(500)

    def _toggled(self, on: bool) -> None:
        self.password.setEnabled(not on)
        self.password2.setEnabled(not on)

    def submit(self) -> None:
        """Check the password; emit ``chosen`` and close."""
        if self._sensitive and self.no_password.isChecked():
            self.chosen.emit(ExportProtection(None))
            self.accept()
            return
        problems = export_password_problems(self.password.text(), self.password2.text())
        if problems:
            self.error.show_message("\n".join(problems))
            return
        self.chosen.emit(ExportProtection(self.password.text()))
        self.password.clear()
        self.password2.clear()
        self.accept()


def ask_export_protection(
    parent: QWidget | None, *, sensitive: bool, on_chosen: Callable[[ExportProtection], object]
) -> ExportPasswordDialog:
    """Open the dialog (non-blocking); ``on_chosen`` gets the protection when confirmed."""
    dialog = ExportPasswordDialog(parent, sensitive=sensitive)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.chosen.connect(on_chosen)
    dialog.open()
    return dialog
