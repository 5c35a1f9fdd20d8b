"""“Gộp danh sách Excel của xã cũ”: the list and its commune → preview and map hamlets → merge.

The sibling of ``merge_book_wizard.py`` for a former commune that kept its children in the
template Excel list: the same mapping page (``MapPage``), the same pair table; every step
runs in the background, and nothing is written before the last button, then in one
transaction after a backup (``services/merge_list.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
    QWizardPage,
)

from desktop.core.importer.reader import MAX_FILE_MB
from desktop.core.reports.protect import ExportProtection
from desktop.core.services.merge_list import MergeListPreview, MergeListService
from desktop.ui import messages
from desktop.ui.ops import run_op
from desktop.ui.printing.files import (
    ask_protection,
    choose_open_path,
    choose_save_path,
    offer_to_open,
)
from desktop.ui.security.merge_book_wizard import (
    ConfirmPage,
    MapPage,
    MergeWizard,
    Progress,
    ShownPreview,
    error_text,
)
from desktop.ui.widgets import DateLineEdit, ErrorLabel
from sync import clock


class ListPage(QWizardPage):
    """Step 1: the list, the former commune it belongs to, and the day it was true."""

    def __init__(self, wizard: MergeListWizard) -> None:
        super().__init__(wizard)
        self._wizard = wizard
        self.setTitle(self.tr("Danh sách của xã cũ"))
        self.setSubTitle(
            self.tr(
                "Chọn danh sách Excel theo mẫu nhập của xã cũ, ghi mã và tên xã cũ. Tệp chỉ "
                "được đọc (tối đa {m} MB); chưa có gì được ghi vào sổ."
            ).format(m=MAX_FILE_MB)
        )
        self.path = QLineEdit()
        self.path.setReadOnly(True)
        self.path.setPlaceholderText(self.tr("chưa chọn tệp"))
        self.browse = QPushButton(self.tr("Chọn tệp…"))
        self.file_dialog: QFileDialog | None = None
        self.code = QLineEdit()
        self.code.setMaxLength(5)
        self.code.setPlaceholderText(self.tr("5 chữ số, ví dụ: 11111"))
        self.name = QLineEdit()
        self.name.setPlaceholderText(self.tr("ví dụ: xã Minh Hưng"))
        self.as_of = DateLineEdit(label=self.tr("Số liệu tính đến ngày"))
        self.as_of.set_value(clock.today())
        self.as_of.setFixedWidth(130)
        self.read_button = QPushButton(self.tr("Đọc và xem trước"))
        self.read_button.setObjectName("primary")
        self.result = QLabel()
        self.result.setWordWrap(True)
        self.save_rejected_button = QPushButton(self.tr("Lưu các dòng lỗi ra Excel…"))
        self.save_rejected_button.setVisible(False)
        self.error = ErrorLabel()
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(self.browse)
        form = QFormLayout()
        form.addRow(self.tr("Danh sách:"), row)
        form.addRow(self.tr("Mã xã cũ:"), self.code)
        form.addRow(self.tr("Tên xã cũ:"), self.name)
        form.addRow(self.tr("Số liệu tính đến ngày:"), self.as_of)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.read_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.result)
        layout.addWidget(self.save_rejected_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.error)
        layout.addStretch(1)
        self.browse.clicked.connect(self.choose_file)
        self.read_button.clicked.connect(self.read_list)
        self.save_rejected_button.clicked.connect(self.choose_rejected_path)
        for field in (self.path, self.code, self.name, self.as_of):
            field.textChanged.connect(lambda _text: self._changed())

    def _changed(self) -> None:
        self._wizard.preview = None
        self.result.clear()
        self.save_rejected_button.setVisible(False)
        self.completeChanged.emit()

    def choose_file(self) -> QFileDialog:
        """A non-blocking file dialog for an .xlsx or .csv list."""
        self.file_dialog = choose_open_path(
            self,
            self.tr("Chọn danh sách Excel của xã cũ"),
            lambda path: self.path.setText(str(path)),
            "Danh sách Excel hoặc CSV (*.xlsx *.csv)",
        )
        return self.file_dialog

    def read_list(self) -> None:
        """Name the former commune, read the list and preview, in the background."""
        if not self.path.text():
            self.error.show_message(self.tr("Hãy chọn danh sách Excel của xã cũ."))
            return
        if not self.as_of.check():
            self.error.show_message(self.as_of.problem)
            return
        self.error.show_message("")
        self.result.setText(self.tr("Đang đọc danh sách…"))
        path, code, name = Path(self.path.text()), self.code.text(), self.name.text()
        as_of = self.as_of.value()
        service = self._wizard.service

        def work() -> MergeListPreview:
            former = service.former(code, name)
            return service.preview(former, service.read(path, as_of=as_of))

        self.read_button.setEnabled(False)
        run_op(
            self,
            work,
            success=self._read,
            failure=self._failed,
            label=self.tr("Đang đọc danh sách của xã cũ…"),
        )

    def _read(self, preview: MergeListPreview) -> None:
        self.read_button.setEnabled(True)
        self._wizard.preview = preview
        text = self.tr(
            "Đã đọc danh sách của {n} cũ: {h} hộ, {p} nhân khẩu sẽ chuyển sang. Bấm “Tiếp” để "
            "xem trước và ghép thôn."
        ).format(n=preview.former_name, h=preview.households, p=preview.persons)
        if preview.rejected:
            text += " " + self.tr(
                "{r} dòng có lỗi không được chuyển sang: xem lỗi ở bước sau, hoặc lưu các dòng "
                "này ra Excel để sửa rồi gộp lại."
            ).format(r=preview.rejected)
        self.result.setText(text)
        self.save_rejected_button.setVisible(bool(preview.rejected))
        self.completeChanged.emit()

    def _failed(self, exc: BaseException) -> None:
        self.read_button.setEnabled(True)
        self.result.setText(self.tr("Chưa đọc được danh sách này."))
        message = error_text(exc)
        if message is None:
            messages.show_exception(self, exc)
        else:
            self.error.show_message(message)
        self.completeChanged.emit()

    def choose_rejected_path(self) -> None:
        """Ask where to save the rows with errors (with an error column), then a password."""
        preview = self._wizard.preview
        if preview is None:
            return
        choose_save_path(
            self,
            self.tr("Lưu các dòng có lỗi"),
            f"{preview.imported.path.stem}-dong-bi-tu-choi.xlsx",
            lambda path: ask_protection(self, lambda p: self.save_rejected(path, p)),
        )

    def save_rejected(self, path: Path, protection: ExportProtection | None = None) -> None:
        """Write the rows with errors to ``path`` in the background."""
        preview = self._wizard.preview
        if preview is None:
            return
        service = self._wizard.service
        run_op(
            self,
            lambda progress: service.write_rejected(preview, path, protection, progress),
            label=self.tr("Đang ghi các dòng có lỗi (kèm cột lỗi)…"),
            with_progress=True,
            cancellable=True,
            success=lambda n: offer_to_open(
                self, path, self.tr("{n} dòng có lỗi (kèm cột lỗi)").format(n=n)
            ),
            failure=self._save_failed,
        )

    def _save_failed(self, exc: BaseException) -> None:
        message = error_text(exc)
        if message is None:
            messages.show_exception(self, exc)
        else:
            self.error.show_message(message)

    def isComplete(self) -> bool:
        return self._wizard.preview is not None


class MergeListWizard(MergeWizard):
    """List → preview and map → merge. Emits ``merged(MergeListResult)``."""

    def __init__(self, service: MergeListService, parent: QWidget | None = None) -> None:
        super().__init__(
            self.tr("Gộp danh sách Excel của xã cũ"),
            self.tr("Đang gộp danh sách của xã cũ…"),
            parent,
        )
        self.service = service
        self.preview: MergeListPreview | None = None
        self.list_page = ListPage(self)
        self.map_page = MapPage(self, self)
        self.confirm_page = ConfirmPage(self, self.tr("Gộp danh sách"), self.describe)
        self.add_pages(self.list_page, self.map_page, self.confirm_page)

    def describe(self) -> str | None:
        """What “Gộp danh sách” will write (the last page)."""
        preview = self.preview
        if preview is None:
            return None
        pairs = len(self.map_page.pairs.confirmed())
        return self.tr(
            "Khi bấm “Gộp danh sách”: chương trình sao lưu sổ này trước, rồi ghi {h} hộ, {p} "
            "nhân khẩu của {n} cũ vào sổ này trong một lần ghi (dừng giữa chừng thì sổ giữ "
            "nguyên như trước), ghi vào lịch sử mỗi hộ “thuộc {n} cũ”, gộp {c} cặp hồ sơ "
            "trùng đã đánh dấu, và ghi vào nhật ký. Các dòng có lỗi ({r}) không được ghi."
        ).format(
            h=preview.households,
            p=preview.persons,
            n=preview.former_name,
            c=pairs,
            r=preview.rejected,
        )

    def review_work(self, targets: dict[str, str]) -> Callable[[], MergeListPreview] | None:
        """The preview again with the mapping ``targets`` (for the mapping page)."""
        preview, service = self.preview, self.service
        if preview is None:
            return None
        return lambda: service.preview(preview.former, preview.imported, targets)

    def reviewed(self, preview: ShownPreview) -> None:
        """Hold the preview made with the mapping as typed."""
        if isinstance(preview, MergeListPreview):
            self.preview = preview

    def apply_work(
        self, targets: dict[str, str], pairs: list[tuple[str, str]]
    ) -> Callable[[Progress], object] | None:
        preview, service = self.preview, self.service
        if preview is None:
            return None
        return lambda progress: service.apply(preview, targets, pairs, progress)
