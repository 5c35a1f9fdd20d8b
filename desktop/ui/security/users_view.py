"""The "Người dùng" area (administrators): accounts, roles, hamlets, resets, recovery code."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.core.domain.errors import ValidationError
from desktop.core.domain.roles import ROLE_LABELS, Role
from desktop.core.services.book import Book
from desktop.core.services.users import (
    MAX_IDLE_MINUTES,
    MIN_IDLE_MINUTES,
    NewUser,
    UserRow,
    UserService,
)
from desktop.ui import messages
from desktop.ui.ops import run_op
from desktop.ui.security.password_dialog import password_field
from desktop.ui.security.table import RowsModel, configure_table
from desktop.ui.sync.view import format_datetime
from desktop.ui.widgets import ErrorLabel, PasswordStrength, monospace_font

USER_COLUMNS = [
    ("Tên đăng nhập", lambda u: u.username),
    ("Họ và tên", lambda u: u.full_name),
    ("Vai trò", lambda u: u.role_label),
    ("Trạng thái", lambda u: ("Đang dùng" if u.active else "Đã khóa")
        + (" — phải đổi mật khẩu" if u.must_change_password and u.active else "")),
    ("Thôn phụ trách", lambda u: ", ".join(u.hamlet_names)),
    ("Đăng nhập gần nhất", lambda u: format_datetime(u.last_login_at) or "—"),
]  # fmt: skip


def user_model(parent: QWidget | None = None) -> RowsModel[UserRow]:
    """The users table model."""
    return RowsModel(USER_COLUMNS, parent)


class UserDialog(QDialog):
    """Add a person (with a first password) or change one's name, role and hamlets."""

    saved = Signal(object)  # UserRow

    def __init__(
        self,
        service: UserService,
        hamlets: list[tuple[str, str]],
        parent: QWidget | None = None,
        *,
        user: UserRow | None = None,
    ) -> None:
        super().__init__(parent)
        self._service = service
        self._user = user
        self._busy = False
        self.setWindowTitle(
            self.tr("Thêm người dùng") if user is None else self.tr("Sửa người dùng")
        )
        self.username = QLineEdit(user.username if user else "")
        self.username.setPlaceholderText(self.tr("ví dụ: canbo.lan"))
        self.username.setEnabled(user is None)
        self.full_name = QLineEdit(user.full_name if user else "")
        self.role = QComboBox()
        for role in Role:
            self.role.addItem(ROLE_LABELS[role], role)
        self.role.setCurrentIndex(self.role.findData(user.role if user else Role.OFFICER))
        self.password = password_field()
        self.password2 = password_field()
        self.strength = PasswordStrength()
        self.hamlets = QListWidget()
        self.hamlets.setMaximumHeight(120)
        for hamlet_id, name in hamlets:
            item = QListWidgetItem(name)
            item.setData(Qt.ItemDataRole.UserRole, hamlet_id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            chosen = user is not None and hamlet_id in user.hamlet_ids
            item.setCheckState(Qt.CheckState.Checked if chosen else Qt.CheckState.Unchecked)
            self.hamlets.addItem(item)
        self.hamlet_label = QLabel(self.tr("Thôn phụ trách:"))
        self.error = ErrorLabel()
        form = QFormLayout()
        form.addRow(self.tr("Tên đăng nhập:"), self.username)
        form.addRow(self.tr("Họ và tên:"), self.full_name)
        form.addRow(self.tr("Vai trò:"), self.role)
        form.addRow(self.hamlet_label, self.hamlets)
        if user is None:
            form.addRow(self.tr("Mật khẩu đầu tiên:"), self.password)
            form.addRow("", self.strength)
            form.addRow(self.tr("Nhập lại mật khẩu:"), self.password2)
        hint = QLabel(
            self.tr(
                "Cộng tác viên chỉ thấy hộ của thôn được phân công, không thấy hoàn cảnh đặc "
                "biệt. Tài khoản chỉ xem không thấy số định danh, số điện thoại, địa chỉ."
            )
        )
        hint.setObjectName("hintLabel")
        hint.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = buttons.addButton(self.tr("Lưu"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok_button.setObjectName("primary")
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.ok_button.clicked.connect(self.submit)
        buttons.rejected.connect(self.reject)
        self.role.currentIndexChanged.connect(self._role_changed)
        self.password.textChanged.connect(
            lambda text: self.strength.update_for(text, self.username.text())
        )
        self._role_changed()
        self.setMinimumWidth(540)

    def _role_changed(self) -> None:
        collaborator = self.role.currentData() == Role.COLLABORATOR
        self.hamlets.setVisible(collaborator)
        self.hamlet_label.setVisible(collaborator)

    def chosen_hamlets(self) -> tuple[str, ...]:
        """The checked hamlets' ids."""
        return tuple(
            str(self.hamlets.item(i).data(Qt.ItemDataRole.UserRole))
            for i in range(self.hamlets.count())
            if self.hamlets.item(i).checkState() == Qt.CheckState.Checked
        )

    def submit(self) -> None:
        """Save in the background; problems are listed under the form."""
        if self._busy:
            return
        role = Role(self.role.currentData())
        hamlets = self.chosen_hamlets() if role == Role.COLLABORATOR else ()
        service = self._service
        if self._user is None:
            if self.password.text() != self.password2.text():
                self.error.show_message(self.tr("Hai lần nhập mật khẩu không giống nhau."))
                return
            form = NewUser(
                self.username.text(), self.full_name.text(), role, self.password.text(), hamlets
            )
            work = lambda: service.add_user(form)  # noqa: E731
        else:
            user_id, name = self._user.id, self.full_name.text()
            work = lambda: service.update_user(user_id, name, role, hamlets)  # noqa: E731
        self._busy = True
        self.ok_button.setEnabled(False)
        run_op(self, work, success=self._saved, failure=self._failed)

    def _saved(self, row: UserRow) -> None:
        self._busy = False
        self.saved.emit(row)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._busy = False
        self.ok_button.setEnabled(True)
        message = getattr(exc, "message_vi", None)
        if isinstance(exc, ValidationError) or isinstance(message, str):
            self.error.show_message(str(message))
        else:
            messages.show_exception(self, exc)


class ResetPasswordDialog(QDialog):
    """The administrator types a temporary password and tells it to the person."""

    done_reset = Signal()

    def __init__(self, service: UserService, user: UserRow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._service = service
        self._user = user
        self.setWindowTitle(self.tr("Đặt lại mật khẩu"))
        intro = QLabel(
            self.tr(
                "Đặt mật khẩu tạm cho {name} ({u}). Khi đăng nhập lần sau, người này phải đổi "
                "sang mật khẩu của riêng mình. Tài khoản đã khóa sẽ được mở lại."
            ).format(name=user.full_name, u=user.username)
        )
        intro.setWordWrap(True)
        self.password = password_field()
        self.password2 = password_field()
        self.error = ErrorLabel()
        form = QFormLayout()
        form.addRow(self.tr("Mật khẩu tạm:"), self.password)
        form.addRow(self.tr("Nhập lại:"), self.password2)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = buttons.addButton(
            self.tr("Đặt lại"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.ok_button.clicked.connect(self.submit)
        buttons.rejected.connect(self.reject)
        self.setMinimumWidth(480)

    def submit(self) -> None:
        """Reset in the background."""
        if self.password.text() != self.password2.text():
            self.error.show_message(self.tr("Hai lần nhập mật khẩu không giống nhau."))
            return
        service, user_id, password = self._service, self._user.id, self.password.text()
        self.ok_button.setEnabled(False)
        run_op(
            self,
            lambda: service.reset_password(user_id, password),
            success=self._done,
            failure=self._failed,
        )

    def _done(self, _none: object) -> None:
        self.done_reset.emit()
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.ok_button.setEnabled(True)
        message = getattr(exc, "message_vi", None)
        if isinstance(message, str):
            self.error.show_message(message)
        else:
            messages.show_exception(self, exc)


class RecoveryCodeDialog(QDialog):
    """Shows a newly issued recovery code once, to be written down."""

    def __init__(self, code: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Mã khôi phục mới"))
        text = QLabel(
            self.tr(
                "Đây là mã khôi phục mới. Mã cũ đã hết hiệu lực. Hãy ghi mã này ra giấy và cất "
                "ở tủ có khóa: mã chỉ hiện một lần. Bản sao lưu cũ vẫn mở được bằng mã cũ."
            )
        )
        text.setWordWrap(True)
        self.code = QLabel(code)
        self.code.setFont(monospace_font(18))
        self.code.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.code.setAlignment(Qt.AlignmentFlag.AlignCenter)
        buttons = QDialogButtonBox()
        ok = buttons.addButton(self.tr("Tôi đã ghi lại"), QDialogButtonBox.ButtonRole.AcceptRole)
        ok.clicked.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(self.code)
        layout.addWidget(buttons)
        self.setMinimumWidth(520)


class SettingsDialog(QDialog):
    """The idle lock: minutes without input before the window locks (administrators)."""

    saved = Signal(int)

    def __init__(self, service: UserService, minutes: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._service = service
        self.setWindowTitle(self.tr("Cài đặt bảo mật"))
        self.minutes = QSpinBox()
        self.minutes.setRange(MIN_IDLE_MINUTES, MAX_IDLE_MINUTES)
        self.minutes.setValue(minutes)
        self.minutes.setSuffix(self.tr(" phút"))
        hint = QLabel(
            self.tr(
                "Khi không ai dùng máy trong khoảng thời gian này, sổ tự khóa và hỏi lại mật "
                "khẩu. Máy dùng chung nên để 5–15 phút."
            )
        )
        hint.setWordWrap(True)
        hint.setObjectName("hintLabel")
        self.error = ErrorLabel()
        form = QFormLayout()
        form.addRow(self.tr("Tự khóa sau:"), self.minutes)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = buttons.addButton(self.tr("Lưu"), QDialogButtonBox.ButtonRole.AcceptRole)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.ok_button.clicked.connect(self.submit)
        buttons.rejected.connect(self.reject)
        self.setMinimumWidth(420)

    def submit(self) -> None:
        """Save in the background."""
        service, value = self._service, self.minutes.value()
        self.ok_button.setEnabled(False)
        run_op(
            self,
            lambda: service.set_idle_lock_minutes(value),
            success=self._saved,
            failure=self._failed,
        )

    def _saved(self, minutes: int) -> None:
        self.saved.emit(minutes)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.ok_button.setEnabled(True)
        message = getattr(exc, "message_vi", None)
        if isinstance(message, str):
            self.error.show_message(message)
        else:
            messages.show_exception(self, exc)


class UsersView(QWidget):
    """List of accounts with the administrator's actions."""

    loaded = Signal()
    idle_minutes_changed = Signal(int)

    def __init__(self, book: Book, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._book = book
        self._service = UserService(book)
        self._hamlets: list[tuple[str, str]] = []
        self.dialog: QDialog | None = None
        title = QLabel(self.tr("Người dùng"))
        title.setObjectName("pageTitle")
        subtitle = QLabel(
            self.tr(
                "Mỗi người dùng chung máy có tên đăng nhập và mật khẩu riêng; mọi thao tác được "
                "ghi vào nhật ký theo tên người làm."
            )
        )
        subtitle.setObjectName("hintLabel")
        subtitle.setWordWrap(True)
        self.model = user_model(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        configure_table(self.table)
        for column, width in enumerate((140, 200, 190, 230, 180)):
            self.table.setColumnWidth(column, width)
        self.add_button = QPushButton(self.tr("Thêm người dùng…"))
        self.add_button.setObjectName("primary")
        self.edit_button = QPushButton(self.tr("Sửa…"))
        self.reset_button = QPushButton(self.tr("Đặt lại mật khẩu…"))
        self.deactivate_button = QPushButton(self.tr("Khóa tài khoản"))
        self.recovery_button = QPushButton(self.tr("Cấp mã khôi phục mới…"))
        self.settings_button = QPushButton(self.tr("Cài đặt tự khóa…"))
        row = QHBoxLayout()
        for button in (
            self.add_button,
            self.edit_button,
            self.reset_button,
            self.deactivate_button,
        ):
            row.addWidget(button)
        row.addStretch(1)
        row.addWidget(self.recovery_button)
        row.addWidget(self.settings_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 8)
        layout.addWidget(title)
        layout.addWidget(subtitle)
        layout.addLayout(row)
        layout.addWidget(self.table, 1)
        self.add_button.clicked.connect(lambda: self.open_user_dialog(None))
        self.edit_button.clicked.connect(lambda: self.open_user_dialog(self.selected()))
        self.table.doubleClicked.connect(lambda _i: self.open_user_dialog(self.selected()))
        self.reset_button.clicked.connect(self.open_reset)
        self.deactivate_button.clicked.connect(self.ask_deactivate)
        self.recovery_button.clicked.connect(self.ask_new_recovery_code)
        self.settings_button.clicked.connect(self.open_settings)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self._update_buttons()

    def reload(self) -> None:
        """Load the accounts and hamlets in the background."""
        service = self._service
        run_op(self, lambda: (service.list_users(), service.hamlets()), success=self._loaded)

    def _loaded(self, result: tuple[list[UserRow], list[tuple[str, str]]]) -> None:
        users, self._hamlets = result
        self.model.set_rows(users)
        self._update_buttons()
        self.loaded.emit()

    def showEvent(self, event: QShowEvent) -> None:
        """Reload whenever the area is shown."""
        super().showEvent(event)
        self.reload()

    def selected(self) -> UserRow | None:
        """The account on the selected row."""
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def select_username(self, username: str) -> None:
        """Select the row of ``username``."""
        for index, user in enumerate(self.model.rows()):
            if user.username == username:
                self.table.selectRow(index)

    def _update_buttons(self, *_args: object) -> None:
        user = self.selected()
        for button in (self.edit_button, self.reset_button):
            button.setEnabled(user is not None)
        self.deactivate_button.setEnabled(
            user is not None and user.active and user.id != self._book.user.id
        )

    def _show_dialog(self, dialog: QDialog) -> QDialog:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = dialog
        dialog.open()
        return dialog

    def open_user_dialog(self, user: UserRow | None) -> QDialog:
        """Add (``user`` None) or edit an account."""
        dialog = UserDialog(self._service, self._hamlets, self, user=user)
        dialog.saved.connect(lambda _row: self.reload())
        return self._show_dialog(dialog)

    def open_reset(self) -> QDialog | None:
        """Set a temporary password for the selected account."""
        user = self.selected()
        if user is None:
            return None
        dialog = ResetPasswordDialog(self._service, user, self)
        dialog.done_reset.connect(self.reload)
        return self._show_dialog(dialog)

    def ask_deactivate(self) -> QMessageBox | None:
        """Ask, then lock the selected account."""
        user = self.selected()
        if user is None:
            return None
        service = self._service
        return messages.ask(
            self,
            self.tr(
                "Khóa tài khoản {u} ({name})? Người này sẽ không đăng nhập được nữa. Mọi thao "
                "tác cũ vẫn còn trong nhật ký; có thể mở lại bằng “Đặt lại mật khẩu”."
            ).format(u=user.username, name=user.full_name),
            on_yes=lambda: run_op(self, lambda: service.deactivate(user.id), success=self._changed),
            yes_text=self.tr("Khóa tài khoản"),
            no_text=self.tr("Không"),
        )

    def _changed(self, _none: object) -> None:
        self.reload()

    def ask_new_recovery_code(self) -> QMessageBox:
        """Ask, then issue a new recovery code and show it once."""
        service = self._service
        return messages.ask(
            self,
            self.tr(
                "Cấp mã khôi phục mới? Mã cũ sẽ hết hiệu lực với sổ này (dùng khi nghi mã cũ "
                "bị lộ hoặc bị mất)."
            ),
            on_yes=lambda: run_op(self, service.new_recovery_code, success=self._show_code),
            yes_text=self.tr("Cấp mã mới"),
            no_text=self.tr("Không"),
        )

    def _show_code(self, code: str) -> None:
        self._show_dialog(RecoveryCodeDialog(code, self))

    def open_settings(self) -> QDialog:
        """The idle lock setting."""
        dialog = SettingsDialog(self._service, self._book.commune().idle_lock_minutes, self)
        dialog.saved.connect(self.idle_minutes_changed.emit)
        return self._show_dialog(dialog)
