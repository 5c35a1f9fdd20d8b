"""Print dialogs: a hamlet's book pages, a blank collection form, a child's profile (PDF).

Each dialog gathers its few choices, asks where to save (and, for personal data, a password),
then writes the PDF in the background. ``print_child_profile`` can be called from any screen
that shows a child (e.g. the child profile window).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import (
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    QStringListModel,
    Qt,
    QTimer,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListView,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.core.domain.text import fold
from desktop.core.reports.protect import ExportProtection
from desktop.core.services.book import Book
from desktop.core.services.exports import ExportedFile, ExportService, PersonPick
from desktop.core.services.households import HamletItem, HouseholdService
from desktop.ui.ops import run_op
from desktop.ui.printing.files import ask_protection, choose_save_path, offer_to_open
from desktop.ui.widgets import DateLineEdit, ErrorLabel
from sync import clock

SEARCH_DELAY_MS = 250


def _tr(text: str) -> str:
    return QCoreApplication.translate("PrintDialogs", text)


def _slug(text: str) -> str:
    return "-".join(fold(text).split()) or "thon"


def print_child_profile(parent: QWidget, book: Book, person_id: str, full_name: str) -> None:
    """Ask where to save (and a password), then print the child's profile to a PDF."""
    service = ExportService(book)

    def write(path: Path, protection: ExportProtection) -> None:
        run_op(
            parent,
            lambda: service.write_child_profile(person_id, path, protection),
            success=lambda done: offer_to_open(parent, done.path, _tr("hồ sơ của trẻ")),
            label=_tr("Đang in hồ sơ trẻ…"),
        )

    choose_save_path(
        parent,
        _tr("Lưu hồ sơ trẻ (PDF)"),
        f"ho-so-{_slug(full_name)}.pdf",
        lambda path: ask_protection(parent, lambda protection: write(path, protection)),
    )


class _PrintDialog(QDialog):
    """A dialog with a form, an error line and “In…” / “Đóng” buttons."""

    def __init__(self, book: Book, title: str, intro: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self._book = book
        self._service = ExportService(book)
        self.setWindowTitle(title)
        self.intro = QLabel(intro)
        self.intro.setWordWrap(True)
        self.intro.setObjectName("hintLabel")
        self.form = QFormLayout()
        self.error = ErrorLabel()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.print_button = self.buttons.addButton(
            self.tr("In ra tệp PDF…"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.print_button.setObjectName("primary")
        self.print_button.setDefault(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.buttons.rejected.connect(self.reject)
        self.setMinimumWidth(520)
        self.written: ExportedFile | None = None

    def _done(self, done: ExportedFile, what: str) -> None:
        self.written = done
        self.print_button.setEnabled(True)
        offer_to_open(self, done.path, what)

    def _failed(self, exc: BaseException) -> None:
        self.print_button.setEnabled(True)
        self.error.show_message(getattr(exc, "message_vi", None) or str(exc))


class _HamletChoice(QComboBox):
    """Hamlets, loaded in the background; optionally with a first “(không ghi thôn)” item."""

    def __init__(self, book: Book, *, optional: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._optional = optional
        self.setMinimumWidth(260)
        if optional:
            self.addItem(self.tr("(để trống, cộng tác viên tự ghi)"), None)
        service = HouseholdService(book)
        run_op(self, service.hamlets, success=self._loaded)

    def _loaded(self, hamlets: Sequence[HamletItem]) -> None:
        for hamlet in hamlets:
            self.addItem(hamlet.name, hamlet.id)

    def hamlet_id(self) -> str | None:
        """The chosen hamlet's id (None: none chosen)."""
        value = self.currentData()
        return value if isinstance(value, str) else None


class HamletBookDialog(_PrintDialog):
    """Print the book pages of one hamlet (landscape A4, the paper book's layout)."""

    def __init__(self, book: Book, parent: QWidget | None = None) -> None:
        super().__init__(
            book,
            _tr("In sổ theo dõi trẻ em của một thôn"),
            _tr(
                "In các trang sổ của một thôn theo mẫu sổ giấy: mỗi hộ một nhóm dòng, bắt đầu "
                "từ chủ hộ, kèm phần theo dõi các thay đổi. Tệp có thông tin cá nhân nên cần "
                "đặt mật khẩu."
            ),
            parent,
        )
        self.hamlet = _HamletChoice(book, optional=False)
        self.on_date = DateLineEdit(label=self.tr("Ngày in"))
        self.on_date.set_value(clock.today())
        self.on_date.setFixedWidth(130)
        self.form.addRow(self.tr("Thôn/tổ dân phố:"), self.hamlet)
        self.form.addRow(self.tr("Ngày in:"), self.on_date)
        self.print_button.clicked.connect(self.choose_path)

    def choose_path(self) -> None:
        """Check the choices, then ask where to save."""
        hamlet_id = self.hamlet.hamlet_id()
        if hamlet_id is None:
            self.error.show_message(self.tr("Hãy chọn thôn/tổ dân phố."))
            return
        if not self.on_date.check() or self.on_date.value() is None:
            self.error.show_message(self.on_date.problem or self.tr("Hãy nhập ngày in."))
            return
        self.error.show_message(None)
        name = f"so-tre-em-{_slug(self.hamlet.currentText())}.pdf"
        choose_save_path(
            self,
            self.tr("Lưu sổ của thôn (PDF)"),
            name,
            lambda path: ask_protection(self, lambda p: self.write(path, p)),
        )

    def write(self, path: Path, protection: ExportProtection | None = None) -> None:
        """Print the chosen hamlet's pages to ``path`` in the background."""
        hamlet_id = self.hamlet.hamlet_id()
        on = self.on_date.value() or clock.today()
        if hamlet_id is None:
            return
        self.print_button.setEnabled(False)
        service = self._service
        run_op(
            self,
            lambda: service.write_hamlet_book(hamlet_id, path, protection, on),
            success=lambda done: self._done(done, self.tr("sổ của thôn")),
            failure=self._failed,
            label=self.tr("Đang in sổ…"),
        )


class BlankFormDialog(_PrintDialog):
    """Print a blank collection form for collaborators (no personal data)."""

    def __init__(self, book: Book, parent: QWidget | None = None) -> None:
        super().__init__(
            book,
            _tr("In phiếu thu thập trống"),
            _tr(
                "Phiếu có cùng các cột với sổ và với mẫu nhập Excel, để cộng tác viên ghi tay "
                "tại hộ gia đình. Cuối phiếu có chú thích các nhóm hoàn cảnh đặc biệt."
            ),
            parent,
        )
        self.hamlet = _HamletChoice(book, optional=True)
        self.rows = QSpinBox()
        self.rows.setRange(1, 500)
        self.rows.setValue(20)
        self.form.addRow(self.tr("Thôn/tổ dân phố:"), self.hamlet)
        self.form.addRow(self.tr("Số dòng:"), self.rows)
        self.print_button.clicked.connect(self.choose_path)

    def choose_path(self) -> None:
        """Ask where to save the form."""
        choose_save_path(
            self, self.tr("Lưu phiếu thu thập (PDF)"), "phieu-thu-thap-trong.pdf", self.write
        )

    def write(self, path: Path) -> None:
        """Print the blank form to ``path`` in the background."""
        hamlet_id, rows = self.hamlet.hamlet_id(), self.rows.value()
        self.print_button.setEnabled(False)
        service = self._service
        run_op(
            self,
            lambda: service.write_blank_form(path, hamlet_id, rows),
            success=lambda done: self._done(done, self.tr("phiếu thu thập")),
            failure=self._failed,
            label=self.tr("Đang in phiếu…"),
        )


class ChildProfileDialog(_PrintDialog):
    """Find a child by name or ID number, then print the profile."""

    def __init__(self, book: Book, parent: QWidget | None = None) -> None:
        super().__init__(
            book,
            _tr("In hồ sơ trẻ"),
            _tr(
                "Gõ họ tên (không dấu cũng được) hoặc số định danh, chọn trẻ trong danh sách rồi "
                "bấm “In ra tệp PDF…”. Hồ sơ gồm mọi thông tin đã biết và lịch sử thay đổi."
            ),
            parent,
        )
        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("Họ tên hoặc số định danh"))
        self.search.setClearButtonEnabled(True)
        self.results = QStringListModel(self)
        self.list = QListView()
        self.list.setModel(self.results)
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.list.setMinimumHeight(220)
        self.status = QLabel()
        self.status.setObjectName("hintLabel")
        self.form.addRow(self.tr("Tìm trẻ:"), self.search)
        self.form.addRow(self.list)
        self.form.addRow(self.status)
        self._picks: list[PersonPick] = []
        self._request = 0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.search_now)
        self.search.textChanged.connect(lambda _t: self._timer.start())
        self.search.returnPressed.connect(self.search_now)
        self.list.doubleClicked.connect(self._activated)
        self.print_button.clicked.connect(self.print_selected)
        self.setMinimumSize(560, 420)

    def search_now(self) -> None:
        """Search (in the background) for the typed text."""
        self._timer.stop()
        self._request += 1
        request, query = self._request, self.search.text()
        service = self._service
        run_op(
            self,
            lambda: service.find_people(query),
            success=lambda picks: self._found(request, picks),
        )

    def _found(self, request: int, picks: Sequence[PersonPick]) -> None:
        if request != self._request:
            return  # an older search finished after a newer one started
        self._picks = list(picks)
        self.results.setStringList([p.label for p in self._picks])
        if self._picks:
            self.list.setCurrentIndex(self.results.index(0, 0))
            self.status.setText(self.tr("{n} người khớp.").format(n=len(self._picks)))
        elif len(fold(self.search.text())) >= 2:
            self.status.setText(self.tr("Không tìm thấy ai khớp."))
        else:
            self.status.setText("")

    def selected(self) -> PersonPick | None:
        """The person chosen in the list."""
        row = self.list.currentIndex().row()
        return self._picks[row] if 0 <= row < len(self._picks) else None

    def _activated(self, _index: QModelIndex | QPersistentModelIndex) -> None:
        self.print_selected()

    def print_selected(self) -> None:
        """Print the chosen person's profile."""
        pick = self.selected()
        if pick is None:
            self.error.show_message(self.tr("Hãy tìm và chọn một trẻ trong danh sách."))
            return
        self.error.show_message(None)
        print_child_profile(self, self._book, pick.id, pick.full_name)


def open_dialog(dialog: QDialog) -> QDialog:
    """Show ``dialog`` window-modal, deleted when closed (never blocks)."""
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
