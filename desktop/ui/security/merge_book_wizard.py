"""“Gộp sổ của xã cũ”: open a former commune's backup → preview and map hamlets → merge.

Every step runs in the background (``ops.run_op``); nothing is written before the last
button, and then in one transaction after a backup (``services/merge_book.py``). The
temporary copy of the former book is removed whatever way the wizard closes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QTableView,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from desktop.core.reports.formatting import vn_int
from desktop.core.services.backup import BackupError
from desktop.core.services.merge_book import (
    CrossDuplicate,
    FormerBook,
    HamletChoice,
    MergeBookPreview,
    MergeBookResult,
    MergeBookService,
)
from desktop.core.services.merge_list import MergeListResult
from desktop.ui import messages
from desktop.ui.changes import Change
from desktop.ui.ops import Op, run_op
from desktop.ui.printing.files import choose_open_path
from desktop.ui.screen import resize_to_fit
from desktop.ui.security.merge_book_models import DuplicatePairsModel, HamletMapModel
from desktop.ui.security.password_dialog import password_field
from desktop.ui.widgets import ErrorLabel, monospace_font


def error_text(exc: BaseException) -> str | None:
    """The Vietnamese message an error carries (None when it has none to show)."""
    message = getattr(exc, "message_vi", None)
    return message if isinstance(message, str) and message else None


class ShownPreview(Protocol):
    """What the mapping page shows of a preview (a former book's, or a former list's)."""

    @property
    def hamlets(self) -> tuple[HamletChoice, ...]: ...
    @property
    def duplicates(self) -> tuple[CrossDuplicate, ...]: ...
    def lines(self, *, pairs: bool = ...) -> list[str]: ...


class MapHost(Protocol):
    """What the mapping page needs of its wizard (this one, or ``MergeListWizard``)."""

    @property
    def preview(self) -> ShownPreview | None: ...
    def review_work(self, targets: dict[str, str]) -> Callable[[], ShownPreview] | None:
        """The preview again with ``targets`` (run in the background), or None."""
        ...

    def reviewed(self, preview: ShownPreview) -> None:
        """Hold the preview made with the mapping as typed."""
        ...


class OpenPage(QWizardPage):
    """Step 1: the former commune's backup, and its recovery code or a password."""

    def __init__(self, wizard: MergeBookWizard) -> None:
        super().__init__(wizard)
        self._wizard = wizard
        self.setTitle(self.tr("Sổ của xã cũ"))
        self.setSubTitle(
            self.tr(
                "Chọn bản sao lưu (.stebak) của sổ xã cũ và nhập mã khôi phục của sổ đó (hoặc "
                "tên đăng nhập và mật khẩu của sổ đó). Tệp chỉ được đọc, không bị thay đổi."
            )
        )
        self.path = QLineEdit()
        self.path.setReadOnly(True)
        self.path.setPlaceholderText(self.tr("chưa chọn tệp"))
        self.browse = QPushButton(self.tr("Chọn tệp…"))
        self.file_dialog: QFileDialog | None = None
        self.by_code = QRadioButton(self.tr("Mã khôi phục của sổ xã cũ"))
        self.by_code.setChecked(True)
        self.by_password = QRadioButton(self.tr("Tên đăng nhập và mật khẩu của sổ xã cũ"))
        self.code = QLineEdit()
        self.code.setFont(monospace_font(12))
        self.code.setPlaceholderText("XXXX-XXXX-XXXX-XXXX-XXXX-XXXX")
        self.username = QLineEdit()
        self.password = password_field()
        self.open_button = QPushButton(self.tr("Mở và xem trước"))
        self.open_button.setObjectName("primary")
        self.result = QLabel()
        self.result.setWordWrap(True)
        self.error = ErrorLabel()
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(self.browse)
        form = QFormLayout()
        form.addRow(self.tr("Tệp sao lưu:"), row)
        form.addRow(self.by_code)
        form.addRow(self.tr("Mã khôi phục:"), self.code)
        form.addRow(self.by_password)
        form.addRow(self.tr("Tên đăng nhập:"), self.username)
        form.addRow(self.tr("Mật khẩu:"), self.password)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.open_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.result)
        layout.addWidget(self.error)
        layout.addStretch(1)
        self.browse.clicked.connect(self.choose_file)
        self.open_button.clicked.connect(self.open_former)
        for field in (self.path, self.code, self.username, self.password):
            field.textChanged.connect(lambda _text: self._changed())

    def _changed(self) -> None:
        self._wizard.close_former()
        self.result.clear()
        self.completeChanged.emit()

    def choose_file(self) -> QFileDialog:
        """A non-blocking file dialog for a .stebak file."""
        self.file_dialog = choose_open_path(
            self,
            self.tr("Chọn bản sao lưu của sổ xã cũ"),
            lambda path: self.path.setText(str(path)),
            "Bản sao lưu Sổ Trẻ Em (*.stebak)",
        )
        return self.file_dialog

    def open_former(self) -> None:
        """Check and open the backup, then preview, in the background."""
        path_text = self.path.text()
        if not path_text:
            self.error.show_message(self.tr("Hãy chọn tệp sao lưu của sổ xã cũ."))
            return
        self._wizard.close_former()
        self.error.show_message("")
        self.result.setText(self.tr("Đang kiểm tra và mở…"))
        path = Path(path_text)
        if self.by_code.isChecked():
            secret, username = self.code.text(), None
        else:
            secret, username = self.password.text(), self.username.text()
        service = self._wizard.service

        def work() -> tuple[FormerBook, MergeBookPreview]:
            former = service.open(path, secret=secret or None, username=username or None)
            try:
                return former, service.preview(former)
            except BaseException:
                former.close()
                raise

        self.open_button.setEnabled(False)
        run_op(
            self,
            work,
            success=self._opened,
            failure=self._failed,
            label=self.tr("Đang mở sổ của xã cũ…"),
        )

    def _opened(self, opened: tuple[FormerBook, MergeBookPreview]) -> None:
        self.open_button.setEnabled(True)
        former, preview = opened
        self._wizard.set_former(former, preview)
        self.result.setText(
            self.tr("Đã mở sổ của {n} cũ (mã {c}). Bấm “Tiếp” để xem trước và ghép thôn.").format(
                n=preview.former_name, c=preview.former_code
            )
        )
        self.completeChanged.emit()

    def _failed(self, exc: BaseException) -> None:
        self.open_button.setEnabled(True)
        self.result.setText(self.tr("Không mở được sổ này."))
        message = error_text(exc)
        if message is None:
            messages.show_exception(self, exc)
        else:
            self.error.show_message(message)
        if isinstance(exc, BackupError) and exc.needs_secret and not self.code.text():
            self.code.setFocus()
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return self._wizard.former is not None


class MapPage(QWizardPage):
    """Step 2: the preview, the hamlet mapping (editable) and the children in both books."""

    def __init__(self, wizard: QWizard, host: MapHost) -> None:
        super().__init__(wizard)
        self._wizard = host
        self._dirty = False
        self.setTitle(self.tr("Xem trước và ghép thôn"))
        self.setSubTitle(
            self.tr(
                "Sửa cột “Thôn mới” nếu cần: tên một thôn đã có để gộp vào, hoặc tên thôn sẽ "
                "thêm. Đánh dấu các cặp đúng là cùng một trẻ để gộp hồ sơ. Chưa có gì được ghi."
            )
        )
        self.summary = QPlainTextEdit()
        self.summary.setReadOnly(True)
        self.hamlets = HamletMapModel(self)
        self.hamlet_table = QTableView()
        self.hamlet_table.setModel(self.hamlets)
        self.hamlet_table.horizontalHeader().setStretchLastSection(True)
        self.hamlet_table.verticalHeader().setVisible(False)
        self.pairs = DuplicatePairsModel(self)
        self.pair_table = QTableView()
        self.pair_table.setModel(self.pairs)
        self.pair_table.horizontalHeader().setStretchLastSection(True)
        self.pair_table.verticalHeader().setVisible(False)
        self.review_button = QPushButton(self.tr("Xem lại"))
        self.error = ErrorLabel()
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary, 2)
        layout.addWidget(QLabel(self.tr("Ghép thôn:")))
        layout.addWidget(self.hamlet_table, 2)
        row = QHBoxLayout()
        row.addWidget(self.review_button)
        row.addWidget(self.error, 1)
        layout.addLayout(row)
        layout.addWidget(QLabel(self.tr("Trẻ có thể có ở cả hai sổ:")))
        layout.addWidget(self.pair_table, 2)
        self.review_button.clicked.connect(self.review)
        self.hamlets.dataChanged.connect(lambda *_args: self._mark_dirty())

    def initializePage(self) -> None:
        preview = self._wizard.preview
        if preview is not None:
            self.show_preview(preview, keep_typed=False)

    def show_preview(self, preview: ShownPreview, keep_typed: bool) -> None:
        """Show a preview (the first one, or one after the mapping was edited)."""
        self.summary.setPlainText("\n".join(preview.lines(pairs=False)))
        self.hamlets.set_choices(list(preview.hamlets), keep_typed=keep_typed)
        self.pairs.set_pairs(list(preview.duplicates))
        self._dirty = False
        self.completeChanged.emit()

    def _mark_dirty(self) -> None:
        self._dirty = True
        self.completeChanged.emit()

    def review(self) -> None:
        """Preview again with the mapping as typed (background)."""
        work = self._wizard.review_work(self.hamlets.targets())
        if work is None:
            return
        self.error.show_message("")
        self.review_button.setEnabled(False)
        run_op(
            self,
            work,
            success=self._reviewed,
            failure=self._failed,
            label=self.tr("Đang xem trước…"),
        )

    def _reviewed(self, preview: ShownPreview) -> None:
        self.review_button.setEnabled(True)
        self._wizard.reviewed(preview)
        self.show_preview(preview, keep_typed=True)

    def _failed(self, exc: BaseException) -> None:
        self.review_button.setEnabled(True)
        message = error_text(exc)
        if message is None:
            messages.show_exception(self, exc)
        else:
            self.error.show_message(message)

    def isComplete(self) -> bool:
        return not self._dirty and self._wizard.preview is not None


class ConfirmPage(QWizardPage):
    """The last step of a merge wizard: what will be written (``describe``, None while there
    is nothing to merge) and the button that writes it."""

    def __init__(self, wizard: QWizard, name: str, describe: Callable[[], str | None]) -> None:
        super().__init__(wizard)
        self._describe = describe
        self.setTitle(name)
        self.text = QLabel()
        self.text.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addStretch(1)
        self.setFinalPage(True)
        self.setButtonText(QWizard.WizardButton.FinishButton, name)

    def initializePage(self) -> None:
        text = self._describe()
        if text is not None:
            self.text.setText(text)


Progress = Callable[[int, int], None]


class MergeWizard(QWizard):
    """What the two merge wizards (a former book, a former list) share: the window, and the
    merge itself — in the background with a progress bar and “Dừng” (which writes nothing),
    then its message. Emits ``merged(result)``. A subclass says what its last button does
    (``apply_work``), what the progress bar says, and what to let go when it closes
    (``release``)."""

    merged = Signal(object)
    map_page: MapPage

    def __init__(self, title: str, merging: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.op: Op | None = None  # the merge under way (its “Dừng” is op.cancel)
        self._busy = False
        self._merging = merging  # what the progress bar says
        self.setWindowTitle(title)
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)

    def add_pages(self, *pages: QWizardPage) -> None:
        """The wizard's pages, in order; then its size."""
        for page in pages:
            self.addPage(page)
        # Fits 1366×768 at 125 % too (1093×614 logical, less taskbar and title bar).
        self.setMinimumSize(760, 500)
        resize_to_fit(self, 860, 620)

    def apply_work(
        self, targets: dict[str, str], pairs: list[tuple[str, str]]
    ) -> Callable[[Progress], object] | None:
        """The merge to run with the hamlet mapping and the confirmed pairs; None while
        nothing is ready to merge (each wizard says what it merges)."""
        return None

    def release(self) -> None:
        """Let go of what the wizard holds open (nothing by default)."""

    def accept(self) -> None:
        """Merge in the background, with a progress bar and “Dừng” (which writes nothing)."""
        if self._busy:
            return
        work = self.apply_work(self.map_page.hamlets.targets(), self.map_page.pairs.confirmed())
        if work is None:
            return
        self._busy = True
        self.button(QWizard.WizardButton.FinishButton).setEnabled(False)
        op = run_op(
            self,
            work,
            success=self._done,
            failure=self._failed,
            label=self._merging,
            with_progress=True,
            cancellable=True,
            changes=(Change.BOOK, Change.BACKUPS),
        )
        op.finished.connect(self._stopped)
        self.op = op

    def _stopped(self) -> None:
        # “Dừng” ends the work without a result: the transaction rolled back.
        if not self._busy:
            return
        self._busy = False
        self.button(QWizard.WizardButton.FinishButton).setEnabled(True)
        messages.show_message(
            self, self.tr("Đã dừng: sổ giữ nguyên như trước khi gộp."), title=self.tr("Đã dừng")
        )

    def _done(self, result: MergeBookResult | MergeListResult) -> None:
        self._busy = False
        self.release()
        self.merged.emit(result)
        messages.show_message(self.parentWidget(), result.message_vi(), title=self.tr("Đã gộp"))
        super().accept()

    def _failed(self, exc: BaseException) -> None:
        self._busy = False
        self.button(QWizard.WizardButton.FinishButton).setEnabled(True)
        messages.show_exception(self, exc)

    def reject(self) -> None:
        """Cancel: nothing was written; what the wizard held open is let go."""
        if self._busy:
            return
        self.release()
        super().reject()


class MergeBookWizard(MergeWizard):
    """Open → preview and map → merge. Emits ``merged(MergeBookResult)``."""

    def __init__(self, service: MergeBookService, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Gộp sổ của xã cũ"), self.tr("Đang gộp sổ của xã cũ…"), parent)
        self.service = service
        self.former: FormerBook | None = None
        self.preview: MergeBookPreview | None = None
        self.open_page = OpenPage(self)
        self.map_page = MapPage(self, self)
        self.confirm_page = ConfirmPage(self, self.tr("Gộp sổ"), self.describe)
        self.add_pages(self.open_page, self.map_page, self.confirm_page)

    def describe(self) -> str | None:
        """What “Gộp sổ” will write (the last page)."""
        preview = self.preview
        if preview is None:
            return None
        total = sum(t.incoming for t in preview.tables)
        pairs = len(self.map_page.pairs.confirmed())
        return self.tr(
            "Khi bấm “Gộp sổ”: chương trình sao lưu sổ này trước, rồi chép {t} bản ghi của "
            "sổ {n} cũ vào sổ này trong một lần ghi (dừng giữa chừng thì sổ giữ nguyên như "
            "trước), ghi vào lịch sử mỗi hộ “thuộc {n} cũ”, gộp {p} cặp hồ sơ trùng đã đánh "
            "dấu, và ghi vào nhật ký. Tài khoản của sổ xã cũ không được chép."
        ).format(t=vn_int(total), n=preview.former_name, p=pairs)

    def set_former(self, former: FormerBook, preview: MergeBookPreview) -> None:
        """Hold the opened former book and its first preview."""
        self.close_former()
        self.former, self.preview = former, preview

    def review_work(self, targets: dict[str, str]) -> Callable[[], MergeBookPreview] | None:
        """The preview again with the mapping ``targets`` (for the mapping page)."""
        former, service = self.former, self.service
        if former is None:
            return None
        return lambda: service.preview(former, targets)

    def reviewed(self, preview: ShownPreview) -> None:
        """Hold the preview made with the mapping as typed."""
        if isinstance(preview, MergeBookPreview):
            self.preview = preview

    def close_former(self) -> None:
        """Close (and delete) the temporary copy of the former book, if one is open."""
        if self.former is not None:
            self.former.close()
        self.former, self.preview = None, None

    def apply_work(
        self, targets: dict[str, str], pairs: list[tuple[str, str]]
    ) -> Callable[[Progress], object] | None:
        former, service = self.former, self.service
        if former is None or self.preview is None:
            return None
        return lambda progress: service.apply(former, targets, pairs, progress)

    def release(self) -> None:
        """The temporary copy of the former book is removed."""
        self.close_former()
