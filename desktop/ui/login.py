"""Unlocking the book: user name and password, lockout countdown, forgotten password."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.domain.errors import ValidationError
from desktop.core.services.book import (
    Book,
    CommuneInfo,
    LoginError,
    open_book,
    prepare_login,
    reset_password_with_recovery,
)
from desktop.ui import messages
from desktop.ui.ops import run_op
from desktop.ui.theme import app_icon
from desktop.ui.widgets import ErrorLabel, PasswordStrength, monospace_font, set_invalid


@dataclass(frozen=True)
class OpenedBook:
    """An unlocked book and its commune, handed from the worker thread to the GUI."""

    book: Book
    commune: CommuneInfo


Opener = Callable[[str, str], Book]


class LoginWindow(QWidget):
    """The first window once a book exists. Emits ``logged_in(OpenedBook)``."""

    logged_in = Signal(object)

    def __init__(self, parent: QWidget | None = None, *, opener: Opener = open_book) -> None:
        super().__init__(parent)
        self._opener = opener
        self._locked_until = 0.0
        self._busy = False
        self.setWindowTitle(self.tr("Sổ Trẻ Em — Đăng nhập"))

        logo = QLabel()
        logo.setPixmap(app_icon().pixmap(64, 64))
        logo.setAlignment(Qt.AlignmentFlag.AlignCenter)
        title = QLabel(self.tr("Sổ Trẻ Em"))
        title.setObjectName("appTitle")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        subtitle = QLabel(self.tr("Sổ theo dõi trẻ em trong hộ gia đình"))
        subtitle.setObjectName("hintLabel")
        subtitle.setAlignment(Qt.AlignmentFlag.AlignCenter)

        self.username = QLineEdit()
        self.username.setPlaceholderText(self.tr("tên đăng nhập"))
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(self.tr("mật khẩu"))
        self.login_button = QPushButton(self.tr("Đăng nhập"))
        self.login_button.setObjectName("primary")
        self.login_button.setDefault(True)
        self.login_button.setMinimumHeight(34)
        self.message = ErrorLabel()
        self.countdown = QLabel()
        self.countdown.setObjectName("hintLabel")
        self.countdown.setWordWrap(True)
        self.countdown.hide()
        self.forgot_button = QPushButton(self.tr("Quên mật khẩu?"))
        self.forgot_button.setFlat(True)
        self.forgot_button.setCursor(Qt.CursorShape.PointingHandCursor)

        card = QFrame()
        card.setFrameShape(QFrame.Shape.StyledPanel)
        form = QFormLayout()
        form.addRow(self.tr("Tên đăng nhập:"), self.username)
        form.addRow(self.tr("Mật khẩu:"), self.password)
        card_layout = QVBoxLayout(card)
        card_layout.setContentsMargins(20, 20, 20, 16)
        card_layout.addLayout(form)
        card_layout.addWidget(self.message)
        card_layout.addWidget(self.countdown)
        card_layout.addWidget(self.login_button)
        links = QHBoxLayout()
        links.addStretch(1)
        links.addWidget(self.forgot_button)
        card_layout.addLayout(links)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(36, 20, 36, 20)
        layout.addWidget(logo)
        layout.addWidget(title)
        layout.addWidget(subtitle)
        layout.addSpacing(16)
        layout.addWidget(card)
        layout.addStretch(1)

        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self._update_countdown)
        self.login_button.clicked.connect(self.attempt)
        self.username.returnPressed.connect(self.password.setFocus)
        self.password.returnPressed.connect(self.attempt)
        self.forgot_button.clicked.connect(self.open_forgot_password)
        self.setMinimumWidth(440)
        self.resize(480, 440)
        # Once the window is up, while the officer types: what any login needs first.
        QTimer.singleShot(0, self, prepare_login)

    # -- logging in -----------------------------------------------------------------------

    def attempt(self) -> None:
        """Try the typed user name and password in the background."""
        if self._busy or self.seconds_left() > 0:
            return
        username = self.username.text().strip()
        password = self.password.text()
        if not username or not password:
            self.message.show_message(self.tr("Hãy nhập tên đăng nhập và mật khẩu."))
            (self.username if not username else self.password).setFocus()
            return
        self._set_busy(True)
        self.message.show_message("")
        opener = self._opener

        def work() -> OpenedBook:
            book = opener(username, password)
            try:
                return OpenedBook(book, book.commune())
            except BaseException:
                book.close()
                raise

        run_op(
            self,
            work,
            success=self._opened,
            failure=self._failed,
            label=self.tr("Đang mở sổ…"),
        )

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self._refresh_enabled()

    def _refresh_enabled(self) -> None:
        locked = self.seconds_left() > 0
        self.login_button.setEnabled(not self._busy and not locked)
        if self._busy:
            text = self.tr("Đang mở sổ…")
        elif locked:
            text = self.tr("Đăng nhập (chờ {n} giây)").format(n=self.seconds_left())
        else:
            text = self.tr("Đăng nhập")
        self.login_button.setText(text)

    def _opened(self, opened: OpenedBook) -> None:
        self._set_busy(False)
        self.password.clear()
        self.logged_in.emit(opened)

    def _failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        if isinstance(exc, LoginError):
            self.message.show_message(exc.message_vi)
            if exc.seconds_locked > 0:
                self.lock_for(exc.seconds_locked)
            self.password.selectAll()
            self.password.setFocus()
            return
        message = getattr(exc, "message_vi", None)
        if isinstance(message, str) and message:
            # A damaged or foreign data file, or a missing key file: say so plainly.
            self.message.show_message(message)
            messages.show_error(self, message, title=self.tr("Không mở được sổ"))
            return
        self.message.show_message(self.tr("Không mở được sổ do lỗi ngoài dự kiến."))
        messages.show_exception(self, exc)

    # -- lockout countdown ----------------------------------------------------------------

    def lock_for(self, seconds: int) -> None:
        """Disable "Đăng nhập" for ``seconds``, with a live countdown."""
        self._locked_until = time.monotonic() + seconds
        self._tick.start()
        self._update_countdown()

    def seconds_left(self) -> int:
        """Seconds until the next try is allowed (0 = now)."""
        return max(0, int(self._locked_until - time.monotonic() + 0.999))

    def _update_countdown(self) -> None:
        left = self.seconds_left()
        if left > 0:
            self.countdown.setText(
                self.tr("Đăng nhập tạm khóa. Có thể thử lại sau {n} giây.").format(n=left)
            )
            self.countdown.show()
        else:
            self._tick.stop()
            self.countdown.hide()
            self.message.show_message("")
        self._refresh_enabled()

    # -- forgotten password ---------------------------------------------------------------

    def open_forgot_password(self) -> ForgotPasswordDialog:
        """Open the recovery dialog (non-blocking) and return it."""
        dialog = ForgotPasswordDialog(self, username=self.username.text().strip())
        dialog.password_reset.connect(self._password_was_reset)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def _password_was_reset(self, username: str) -> None:
        self.username.setText(username)
        self.password.clear()
        self.password.setFocus()
        self._locked_until = 0.0
        self._update_countdown()
        self.message.show_message("")
        messages.show_message(
            self,
            self.tr("Đã đặt mật khẩu mới cho “{u}”. Hãy đăng nhập bằng mật khẩu mới.").format(
                u=username
            ),
        )


class ForgotPasswordDialog(QDialog):
    """Set a new password with the recovery code written down at setup."""

    password_reset = Signal(str)  # the user name

    def __init__(self, parent: QWidget | None = None, *, username: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Quên mật khẩu"))
        intro = QLabel(
            self.tr(
                "Nhập mã khôi phục đã ghi lại khi tạo sổ (6 nhóm, mỗi nhóm 4 ký tự), "
                "rồi đặt mật khẩu mới. Viết hoa hay thường, có gạch ngang hay không đều được."
            )
        )
        intro.setWordWrap(True)
        self.username = QLineEdit(username)
        self.recovery_code = QLineEdit()
        self.recovery_code.setFont(monospace_font(12))
        self.recovery_code.setPlaceholderText("XXXX-XXXX-XXXX-XXXX-XXXX-XXXX")
        self.new_password = QLineEdit()
        self.new_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.new_password2 = QLineEdit()
        self.new_password2.setEchoMode(QLineEdit.EchoMode.Password)
        self.strength = PasswordStrength()
        self.errors = {
            "username": ErrorLabel(),
            "recovery_code": ErrorLabel(),
            "new_password": ErrorLabel(),
            "new_password2": ErrorLabel(),
        }
        form = QFormLayout()
        form.addRow(self.tr("Tên đăng nhập:"), self._with_error(self.username, "username"))
        form.addRow(self.tr("Mã khôi phục:"), self._with_error(self.recovery_code, "recovery_code"))
        form.addRow(self.tr("Mật khẩu mới:"), self._with_error(self.new_password, "new_password"))
        form.addRow("", self.strength)
        form.addRow(
            self.tr("Nhập lại mật khẩu mới:"),
            self._with_error(self.new_password2, "new_password2"),
        )
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.addButton(
            self.tr("Đặt lại mật khẩu"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.ok_button.setObjectName("primary")
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self.new_password.textChanged.connect(
            lambda text: self.strength.update_for(text, self.username.text())
        )
        self._busy = False
        self.setMinimumWidth(560)

    def _with_error(self, field: QLineEdit, name: str) -> QWidget:
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(field)
        layout.addWidget(self.errors[name])
        return box

    def _show(self, field: str, message: str) -> None:
        self.errors[field].show_message(message)
        widget = getattr(self, field)
        assert isinstance(widget, QWidget)
        set_invalid(widget, message or None)

    def submit(self) -> None:
        """Check the form, then reset the password in the background."""
        if self._busy:
            return
        for field in self.errors:
            self._show(field, "")
        username = self.username.text().strip()
        code = self.recovery_code.text()
        password = self.new_password.text()
        ok = True
        if not username:
            self._show("username", self.tr("Hãy nhập tên đăng nhập."))
            ok = False
        if not code.strip():
            self._show("recovery_code", self.tr("Hãy nhập mã khôi phục."))
            ok = False
        if password != self.new_password2.text():
            self._show("new_password2", self.tr("Hai lần nhập mật khẩu không giống nhau."))
            ok = False
        if not ok:
            return
        self._busy = True
        self.ok_button.setEnabled(False)
        run_op(
            self,
            lambda: reset_password_with_recovery(username, code, password),
            success=lambda _none: self._done(username),
            failure=self._failed,
            label=self.tr("Đang kiểm tra mã khôi phục…"),
        )

    def _done(self, username: str) -> None:
        self._busy = False
        self.password_reset.emit(username)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._busy = False
        self.ok_button.setEnabled(True)
        if isinstance(exc, ValidationError):
            # The rules the strength line already lists are not repeated under the field.
            others = self.strength.not_shown([p.message for p in exc.problems])
            self._show("new_password", "\n".join(others))
            set_invalid(self.new_password, exc.message_vi)
            self.new_password.setFocus()
        elif isinstance(exc, LoginError):
            field = "recovery_code" if "Mã khôi phục" in exc.message_vi else "username"
            self._show(field, exc.message_vi)
        else:
            messages.show_exception(self, exc)
