"""First start: create the commune book (commune, first administrator, recovery code)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QRegularExpression, Qt, Signal
from PySide6.QtGui import (
    QCloseEvent,
    QGuiApplication,
    QPagedPaintDevice,
    QPainter,
    QRegularExpressionValidator,
)
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from desktop.core.domain.dates import format_vn_date
from desktop.core.domain.errors import FieldProblem, ValidationError
from desktop.core.domain.text import clean_text
from desktop.core.services.book import (
    Book,
    BookSetup,
    CommuneInfo,
    create_book,
    validate_setup,
)
from desktop.ui import messages
from desktop.ui.ops import run_op
from desktop.ui.screen import resize_to_fit
from desktop.ui.theme import app_icon
from desktop.ui.widgets import ErrorLabel, PasswordStrength, monospace_font, set_invalid
from sync import clock

log = logging.getLogger(__name__)

UNIT_KINDS = ("Xã", "Phường", "Đặc khu")
DEMO_CHILDREN = 800
DEMO_SEED = 2026
# A commune that does not exist: demo data must never be mistaken for a real commune's.
DEMO_COMMUNE = {
    "unit_kind": "Xã",
    "commune_name": "Hòa An (dữ liệu mẫu)",
    "commune_code": "99901",
    "province_name": "Thanh Hóa",
    "upstream_url": "",
}
COMMUNE_FIELDS = ("unit_kind", "commune_name", "commune_code", "province_name", "upstream_url")
ADMIN_FIELDS = ("admin_full_name", "admin_username", "admin_password", "admin_password2")


@dataclass(frozen=True)
class CreatedBook:
    """What the background creation hands back to the wizard."""

    book: Book
    recovery_code: str
    commune: CommuneInfo


def _field_row(form: QFormLayout, label: str, widget: QWidget, hint: str = "") -> ErrorLabel:
    """Add ``widget`` with an error label (and optional hint) under it; returns the label."""
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(2)
    layout.addWidget(widget)
    if hint:
        hint_label = QLabel(hint)
        hint_label.setObjectName("hintLabel")
        hint_label.setWordWrap(True)
        layout.addWidget(hint_label)
    error = ErrorLabel()
    layout.addWidget(error)
    form.addRow(label, box)
    return error


class CommunePage(QWizardPage):
    """Page 1: which commune this book belongs to."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("Bước 1/3 — Thông tin xã, phường"))
        self.setSubTitle(
            self.tr(
                "Nhập đúng như trên giấy tờ của Ủy ban nhân dân. "
                "Có thể sửa địa chỉ máy chủ cấp trên sau."
            )
        )
        self.demo = QCheckBox(self.tr("Dùng thử với dữ liệu mẫu (800 trẻ em không có thật)"))
        self.demo.setToolTip(
            self.tr(
                "Tạo một xã mẫu có sẵn hộ gia đình và trẻ em để tập sử dụng. "
                "Không dùng sổ mẫu cho dữ liệu thật."
            )
        )
        self.unit_kind = QComboBox()
        self.unit_kind.addItems(list(UNIT_KINDS))
        self.commune_name = QLineEdit()
        self.commune_name.setPlaceholderText(self.tr("ví dụ: Hoàng Kim"))
        self.commune_code = QLineEdit()
        self.commune_code.setPlaceholderText(self.tr("5 chữ số, ví dụ: 16279"))
        self.commune_code.setValidator(
            QRegularExpressionValidator(QRegularExpression(r"\d{0,5}"), self.commune_code)
        )
        self.commune_code.setMaximumWidth(160)
        self.province_name = QLineEdit()
        self.province_name.setPlaceholderText(self.tr("ví dụ: Thanh Hóa"))
        self.upstream_url = QLineEdit()
        self.upstream_url.setPlaceholderText(self.tr("ví dụ: https://treem.thanhhoa.gov.vn"))

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.errors: dict[str, ErrorLabel] = {
            "unit_kind": _field_row(form, self.tr("Loại đơn vị:"), self.unit_kind),
            "commune_name": _field_row(form, self.tr("Tên xã/phường:"), self.commune_name),
            "commune_code": _field_row(
                form,
                self.tr("Mã xã/phường:"),
                self.commune_code,
                self.tr("Mã đơn vị hành chính gồm đúng 5 chữ số."),
            ),
            "province_name": _field_row(form, self.tr("Tỉnh/thành phố:"), self.province_name),
            "upstream_url": _field_row(
                form,
                self.tr("Máy chủ cấp trên:"),
                self.upstream_url,
                self.tr("Không bắt buộc. Hỏi cấp trên nếu chưa biết; có thể nhập sau."),
            ),
        }
        layout = QVBoxLayout(self)
        layout.addWidget(self.demo)
        layout.addSpacing(6)
        layout.addLayout(form)
        layout.addStretch(1)

        self._typed_before_demo: dict[str, str] | None = None
        self.demo.toggled.connect(self._demo_toggled)
        self.commune_code.editingFinished.connect(self._check_code_now)
        for field in COMMUNE_FIELDS:
            widget = self.widget_for(field)
            if isinstance(widget, QLineEdit):
                widget.textEdited.connect(lambda _t, f=field: self.clear_problem(f))

    def widget_for(self, field: str) -> QWidget:
        """The input widget for a setup field name."""
        widget = getattr(self, field)
        assert isinstance(widget, QWidget)
        return widget

    def values(self) -> dict[str, str]:
        """What is typed on this page."""
        return {
            "unit_kind": self.unit_kind.currentText(),
            "commune_name": self.commune_name.text(),
            "commune_code": self.commune_code.text(),
            "province_name": self.province_name.text(),
            "upstream_url": self.upstream_url.text(),
        }

    def _set_values(self, values: dict[str, str]) -> None:
        self.unit_kind.setCurrentText(values["unit_kind"])
        for field in ("commune_name", "commune_code", "province_name", "upstream_url"):
            widget = self.widget_for(field)
            assert isinstance(widget, QLineEdit)
            widget.setText(values[field])

    def _demo_toggled(self, on: bool) -> None:
        if on:
            self._typed_before_demo = self.values()
            self._set_values(DEMO_COMMUNE)
        elif self._typed_before_demo is not None:
            # Give back what the person had typed before trying the demo.
            self._set_values(self._typed_before_demo)
            self._typed_before_demo = None
        for field in COMMUNE_FIELDS:
            self.clear_problem(field)

    def _check_code_now(self) -> None:
        code = self.commune_code.text().strip()
        if code and len(code) != 5:
            self.show_problem(
                "commune_code",
                self.tr("Mã xã “{code}” phải gồm đúng 5 chữ số, ví dụ 16279.").format(code=code),
            )

    def show_problem(self, field: str, message: str) -> None:
        """Show ``message`` under the field named ``field``."""
        label = self.errors.get(field)
        if label is None:
            return
        existing = label.text()
        label.show_message(f"{existing}\n{message}" if existing else message)
        set_invalid(self.widget_for(field), label.text())

    def clear_problem(self, field: str) -> None:
        """Remove the message under ``field``."""
        label = self.errors.get(field)
        if label is not None:
            label.show_message("")
            set_invalid(self.widget_for(field), None)

    def validatePage(self) -> bool:
        """Check this page's fields with the core rules (validate_setup) before going on."""
        wizard = self.wizard()
        assert isinstance(wizard, SetupWizard)
        problems = [p for p in wizard.problems() if p.field in COMMUNE_FIELDS]
        for field in COMMUNE_FIELDS:
            self.clear_problem(field)
        for problem in problems:
            self.show_problem(problem.field, problem.message)
        if problems:
            self.widget_for(problems[0].field).setFocus()
        return not problems


class AdminPage(QWizardPage):
    """Page 2: the first administrator; "Tạo sổ" creates the encrypted book."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("Bước 2/3 — Tài khoản quản trị"))
        self.setSubTitle(
            self.tr(
                "Người quản trị tạo tài khoản cho cán bộ khác. Mật khẩu dùng để mở khóa "
                "dữ liệu: không ai xem được sổ nếu không có mật khẩu hoặc mã khôi phục."
            )
        )
        self.setCommitPage(True)
        self.setButtonText(QWizard.WizardButton.CommitButton, self.tr("Tạo sổ"))
        self.admin_full_name = QLineEdit()
        self.admin_full_name.setPlaceholderText(self.tr("ví dụ: Nguyễn Thị Lan"))
        self.admin_username = QLineEdit()
        self.admin_username.setPlaceholderText(self.tr("ví dụ: lan.nguyen (không dấu)"))
        self.admin_password = QLineEdit()
        self.admin_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.admin_password2 = QLineEdit()
        self.admin_password2.setEchoMode(QLineEdit.EchoMode.Password)
        self.show_password = QCheckBox(self.tr("Hiện mật khẩu"))
        self.strength = PasswordStrength()

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.errors: dict[str, ErrorLabel] = {
            "admin_full_name": _field_row(form, self.tr("Họ và tên:"), self.admin_full_name),
            "admin_username": _field_row(
                form,
                self.tr("Tên đăng nhập:"),
                self.admin_username,
                self.tr("Chữ thường không dấu, số, dấu chấm hoặc gạch ngang; 3–32 ký tự."),
            ),
            "admin_password": _field_row(form, self.tr("Mật khẩu:"), self.admin_password),
        }
        form.addRow("", self.strength)
        self.errors["admin_password2"] = _field_row(
            form, self.tr("Nhập lại mật khẩu:"), self.admin_password2
        )
        form.addRow("", self.show_password)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addStretch(1)

        self.admin_password.textChanged.connect(self._password_changed)
        self.admin_username.textChanged.connect(self._password_changed)
        self.admin_password2.editingFinished.connect(self._check_confirmation)
        self.show_password.toggled.connect(self._toggle_echo)
        for field in ADMIN_FIELDS:
            widget = self.widget_for(field)
            assert isinstance(widget, QLineEdit)
            widget.textEdited.connect(lambda _t, f=field: self.clear_problem(f))

    def widget_for(self, field: str) -> QWidget:
        """The input widget for a setup field name."""
        widget = getattr(self, field)
        assert isinstance(widget, QWidget)
        return widget

    def values(self) -> dict[str, str]:
        """What is typed on this page (the confirmation is checked here, not in core)."""
        return {
            "admin_full_name": self.admin_full_name.text(),
            "admin_username": self.admin_username.text(),
            "admin_password": self.admin_password.text(),
        }

    def _password_changed(self) -> None:
        self.strength.update_for(self.admin_password.text(), self.admin_username.text())

    def _toggle_echo(self, show: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if show else QLineEdit.EchoMode.Password
        self.admin_password.setEchoMode(mode)
        self.admin_password2.setEchoMode(mode)

    def _confirmation_problem(self) -> str:
        typed = self.admin_password2.text()
        if not typed:
            return self.tr("Hãy nhập lại mật khẩu để chắc chắn không gõ nhầm.")
        if typed != self.admin_password.text():
            return self.tr("Hai lần nhập mật khẩu không giống nhau.")
        return ""

    def _check_confirmation(self) -> None:
        if self.admin_password2.text():
            problem = self._confirmation_problem()
            self.clear_problem("admin_password2")
            if problem:
                self.show_problem("admin_password2", problem)

    def show_problem(self, field: str, message: str) -> None:
        """Show ``message`` under the field named ``field``."""
        label = self.errors.get(field)
        if label is None:
            return
        existing = label.text()
        label.show_message(f"{existing}\n{message}" if existing else message)
        set_invalid(self.widget_for(field), label.text())

    def clear_problem(self, field: str) -> None:
        """Remove the message under ``field``."""
        label = self.errors.get(field)
        if label is not None:
            label.show_message("")
            set_invalid(self.widget_for(field), None)

    def show_problems(self, problems: list[FieldProblem]) -> None:
        """Replace every message on this page with ``problems`` (others are ignored)."""
        for field in ADMIN_FIELDS:
            self.clear_problem(field)
        for problem in problems:
            self.show_problem(problem.field, problem.message)
        if problems:
            self.widget_for(problems[0].field).setFocus()

    def validatePage(self) -> bool:
        """Check everything, then create the book in the background; Next waits for it."""
        wizard = self.wizard()
        assert isinstance(wizard, SetupWizard)
        if wizard.created is not None:
            return True
        if wizard.busy:
            return False
        problems = wizard.problems()
        commune_problems = [p for p in problems if p.field in COMMUNE_FIELDS]
        admin_problems = [p for p in problems if p.field in ADMIN_FIELDS]
        confirmation = self._confirmation_problem()
        if confirmation:
            admin_problems.append(FieldProblem("admin_password2", confirmation))
        self.show_problems(admin_problems)
        if commune_problems:
            wizard.back()
            wizard.commune_page.validatePage()
            return False
        if admin_problems:
            return False
        wizard.start_creation()
        return False


class RecoveryPage(QWizardPage):
    """Page 3: the recovery code, shown once; Finish needs "Tôi đã ghi lại mã khôi phục"."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("Bước 3/3 — Mã khôi phục"))
        self.setSubTitle(
            self.tr("Nếu quên mật khẩu, chỉ mã này mở lại được dữ liệu. Mã chỉ hiện một lần này.")
        )
        explain = QLabel(
            self.tr(
                "Hãy chép tay mã dưới đây vào sổ công tác (hoặc in ra) và cất ở nơi an toàn, "
                "không để cùng máy tính. Không gửi mã qua tin nhắn hay mạng xã hội."
            )
        )
        explain.setWordWrap(True)
        self.code = QLabel()
        self.code.setObjectName("recoveryCode")
        self.code.setFont(monospace_font(20))
        self.code.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.code.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.copy_button = QPushButton(self.tr("Sao chép mã"))
        self.print_button = QPushButton(self.tr("In mã khôi phục…"))
        self.copied = QLabel()
        self.copied.setObjectName("okLabel")
        self.demo_note = QLabel()
        self.demo_note.setWordWrap(True)
        self.demo_note.setObjectName("hintLabel")
        self.demo_note.hide()
        self.confirm = QCheckBox(self.tr("Tôi đã ghi lại mã khôi phục"))
        buttons = QHBoxLayout()
        buttons.addWidget(self.copy_button)
        buttons.addWidget(self.print_button)
        buttons.addWidget(self.copied)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(explain)
        layout.addSpacing(8)
        layout.addWidget(self.code)
        layout.addLayout(buttons)
        layout.addSpacing(8)
        layout.addWidget(self.demo_note)
        layout.addStretch(1)
        layout.addWidget(self.confirm)
        self.confirm.toggled.connect(self.completeChanged)
        self.copy_button.clicked.connect(self._copy)
        self.print_button.clicked.connect(self._print)

    def initializePage(self) -> None:
        """Show the code of the book just created."""
        wizard = self.wizard()
        assert isinstance(wizard, SetupWizard)
        if wizard.created is not None:
            self.code.setText(wizard.created.recovery_code)
        if wizard.demo_note:
            self.demo_note.setText(wizard.demo_note)
            self.demo_note.show()

    def isComplete(self) -> bool:
        """Finish only once the person confirms the code is written down."""
        return self.confirm.isChecked()

    def _copy(self) -> None:
        QGuiApplication.clipboard().setText(self.code.text())
        self.copied.setText(self.tr("Đã sao chép."))

    def _print(self) -> QDialog:
        # Imported here: the print module loads printer drivers, slow on old PCs.
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle(self.tr("In mã khôi phục"))
        dialog.accepted.connect(lambda: self.paint_code(printer))
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def paint_code(self, printer: QPagedPaintDevice) -> None:
        """Print the code with the commune and the date, large enough to copy by hand."""
        wizard = self.wizard()
        commune = ""
        if isinstance(wizard, SetupWizard) and wizard.created is not None:
            commune = wizard.created.commune.display_name
        painter = QPainter(printer)
        try:
            page = painter.viewport()
            margin = page.width() // 12
            body = page.adjusted(margin, margin, -margin, -margin)
            font = painter.font()
            font.setPointSize(14)
            painter.setFont(font)
            lines = [
                self.tr("SỔ TRẺ EM — MÃ KHÔI PHỤC"),
                commune,
                self.tr("Ngày tạo: {d}").format(d=format_vn_date(clock.today())),
                "",
                self.tr("Cất giấy này ở nơi an toàn, không để cùng máy tính."),
            ]
            painter.drawText(body, Qt.AlignmentFlag.AlignTop, "\n".join(lines))
            painter.setFont(monospace_font(22))
            painter.drawText(body, Qt.AlignmentFlag.AlignCenter, self.code.text())
        finally:
            painter.end()


class SetupWizard(QWizard):
    """Creates the book; ``created`` holds it once done. Emits ``book_created``."""

    book_created = Signal(object)  # CreatedBook, when Finish is pressed

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        populate: Callable[..., int] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Sổ Trẻ Em — Tạo sổ mới"))
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setPixmap(QWizard.WizardPixmap.LogoPixmap, app_icon().pixmap(48, 48))
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.created: CreatedBook | None = None
        self.busy = False
        self.demo_note = ""
        self._populate = populate
        self.commune_page = CommunePage()
        self.admin_page = AdminPage()
        self.recovery_page = RecoveryPage()
        self.addPage(self.commune_page)
        self.addPage(self.admin_page)
        self.addPage(self.recovery_page)
        self.setButtonText(QWizard.WizardButton.FinishButton, self.tr("Bắt đầu dùng sổ"))
        self.setButtonText(QWizard.WizardButton.CancelButton, self.tr("Thoát"))
        resize_to_fit(self, 780, 640)  # 1366×768 at 125 % leaves 534 px of height

    def setup(self) -> BookSetup:
        """The BookSetup built from what is typed on both pages."""
        values = {**self.commune_page.values(), **self.admin_page.values()}
        return BookSetup(
            commune_code=values["commune_code"],
            commune_name=values["commune_name"],
            province_name=values["province_name"],
            admin_username=values["admin_username"],
            admin_full_name=values["admin_full_name"],
            admin_password=values["admin_password"],
            unit_kind=values["unit_kind"],
            upstream_url=clean_text(values["upstream_url"]) or None,
        )

    def problems(self) -> list[FieldProblem]:
        """Every problem the core finds in the form (validate_setup)."""
        try:
            validate_setup(self.setup())
        except ValidationError as exc:
            return exc.problems
        return []

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        for which in (
            QWizard.WizardButton.CommitButton,
            QWizard.WizardButton.BackButton,
            QWizard.WizardButton.CancelButton,
        ):
            button = self.button(which)
            if button is not None:
                button.setEnabled(not busy)

    def start_creation(self) -> None:
        """Create the book in the background, then (demo) fill it, then show the code."""
        setup = self.setup()
        self._set_busy(True)

        def work() -> CreatedBook:
            book, code = create_book(setup)
            return CreatedBook(book, code, book.commune())

        run_op(
            self,
            work,
            success=self._created,
            failure=self._creation_failed,
            label=self.tr("Đang tạo sổ mới và mã hóa dữ liệu…"),
        )

    def _creation_failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        if isinstance(exc, ValidationError):
            self.admin_page.show_problems([p for p in exc.problems if p.field in ADMIN_FIELDS])
            for problem in exc.problems:
                self.commune_page.show_problem(problem.field, problem.message)
        messages.show_exception(self, exc)

    def _created(self, created: CreatedBook) -> None:
        self.created = created
        if self.commune_page.demo.isChecked():
            self._fill_demo(created.book)
        else:
            self._set_busy(False)
            self.next()

    def _fill_demo(self, book: Book) -> None:
        populate = self._populate
        if populate is None:
            try:
                from desktop.core.services.demo import populate_demo
            except ImportError:
                log.warning("Demo data module is not available")
                self.demo_note = self.tr(
                    "Phiên bản này chưa có dữ liệu mẫu: sổ được tạo trống. "
                    "Có thể nhập thử vài hộ để tập sử dụng."
                )
                self._demo_done(0)
                return
            populate = populate_demo

        def work(progress: Callable[[int, int], None]) -> int:
            return populate(book, children=DEMO_CHILDREN, seed=DEMO_SEED, progress=progress)

        run_op(
            self,
            work,
            success=self._demo_done,
            failure=self._demo_failed,
            label=self.tr("Đang tạo dữ liệu mẫu ({n} trẻ em)…").format(n=DEMO_CHILDREN),
            with_progress=True,
        )

    def _demo_done(self, count: object) -> None:
        if isinstance(count, int) and count:
            self.demo_note = self.tr(
                "Đã tạo {n} trẻ em mẫu (không có thật) để tập sử dụng."
            ).format(n=count)
        self._set_busy(False)
        self.next()

    def _demo_failed(self, exc: BaseException) -> None:
        # The book exists: the recovery code must still be shown, whatever the demo did.
        messages.log_unexpected(exc)
        self.demo_note = self.tr(
            "Chưa tạo được dữ liệu mẫu; sổ vẫn được tạo và dùng được bình thường."
        )
        self._set_busy(False)
        self.next()

    def accept(self) -> None:
        """Finish: hand the open book to whoever shows the main window."""
        if self.created is None:
            return
        super().accept()
        self.book_created.emit(self.created)

    def reject(self) -> None:
        """Leaving is allowed until the book exists; then the code must be confirmed first."""
        if self.created is not None or self.busy:
            return
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        """The window's X button follows the same rule as Thoát."""
        if self.created is not None or self.busy:
            event.ignore()
            return
        super().closeEvent(event)
