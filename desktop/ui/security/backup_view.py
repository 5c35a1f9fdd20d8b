"""The "Sao lưu" area: backups now or to a USB stick, the list, and the restore wizard."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from desktop.core.domain.permissions import Action
from desktop.core.domain.text import format_size
from desktop.core.services.audit import local_text
from desktop.core.services.backup import (
    MAX_LIMIT_MB,
    MB,
    BackupDiskUsage,
    BackupError,
    BackupInfo,
    BackupListing,
    BackupService,
    RestoreResult,
    VerifiedBackup,
)
from desktop.core.services.book import Book
from desktop.core.services.merge_book import MergeBookService
from desktop.core.services.merge_list import MergeListService
from desktop.ui import messages
from desktop.ui.ops import run_op
from desktop.ui.security.merge_book_wizard import MergeBookWizard
from desktop.ui.security.merge_list_wizard import MergeListWizard
from desktop.ui.security.password_dialog import password_field
from desktop.ui.security.table import RowsModel, configure_table
from desktop.ui.widgets import ErrorLabel, monospace_font

_FINAL_MESSAGES: list[QMessageBox] = []


BACKUP_COLUMNS = [
    ("Tệp", lambda b: b.path.name),
    ("Loại", lambda b: b.info.kind_label if b.info else "—"),
    ("Thời gian", lambda b: local_text(b.info.created_at) if b.info else "—"),
    ("Xã", lambda b: f"{b.info.commune_name} ({b.info.commune_code})" if b.info else "—"),
    ("Dung lượng", lambda b: format_size(b.info.size) if b.info else "—"),
    ("Tình trạng", lambda b: b.problem or "Đọc được"),
]


def backup_model(parent: QWidget | None = None) -> RowsModel[BackupListing]:
    """The backups table model."""
    return RowsModel(BACKUP_COLUMNS, parent)


class BackupView(QWidget):
    """Make a backup, see the backups, restore one (administrators)."""

    backed_up = Signal(object)  # BackupInfo
    loaded = Signal()
    restored = Signal(object)  # RestoreResult

    def __init__(self, book: Book, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._book = book
        self._service = BackupService(book)
        self.folder_dialog: QFileDialog | None = None
        self.wizard: RestoreWizard | None = None
        title = QLabel(self.tr("Sao lưu và khôi phục"))
        title.setObjectName("pageTitle")
        explain = QLabel(
            self.tr(
                "Mỗi ngày, lần mở sổ đầu tiên tạo một bản sao lưu tự động; chương trình cũng sao "
                "lưu trước khi nâng cấp và trước khi nhập dữ liệu. Bản sao lưu được mã hóa như "
                "sổ: mất USB cũng không ai đọc được nếu không có mật khẩu hoặc mã khôi phục. "
                "Giữ 7 bản hằng ngày, 4 bản hằng tuần, 12 bản hằng tháng, trong giới hạn dung "
                "lượng dưới đây (bỏ bản cũ nhất của mỗi loại trước, luôn giữ bản mới nhất)."
            )
        )
        explain.setObjectName("hintLabel")
        explain.setWordWrap(True)
        self.backup_button = QPushButton(self.tr("Sao lưu ngay"))
        self.backup_button.setObjectName("primary")
        self.usb_button = QPushButton(self.tr("Sao lưu ra USB/thư mục khác…"))
        self.restore_button = QPushButton(self.tr("Khôi phục từ bản sao lưu…"))
        self.restore_button.setVisible(book.user.may(Action.RESTORE))
        self.merge_button = QPushButton(self.tr("Gộp sổ của xã cũ…"))
        self.merge_wizard: MergeBookWizard | None = None
        self.merge_list_button = QPushButton(self.tr("Gộp danh sách Excel của xã cũ…"))
        self.merge_list_wizard: MergeListWizard | None = None
        if book.user.may(Action.MERGE_BOOKS):
            self.merge_button.setToolTip(
                self.tr(
                    "Đưa sổ của một xã cũ (sáp nhập năm 2025) vào sổ này, từ bản sao lưu của sổ đó."
                )
            )
            self.merge_list_button.setToolTip(
                self.tr(
                    "Đưa danh sách trẻ em của một xã cũ (sáp nhập năm 2025) vào sổ này, từ tệp "
                    "Excel theo mẫu nhập, khi xã cũ chưa dùng Sổ Trẻ Em."
                )
            )
        else:
            # Seen but disabled, with why: the officer knows whom to ask.
            self.merge_button.setEnabled(False)
            self.merge_button.setToolTip(
                self.tr("Chỉ quản trị viên được gộp sổ của xã cũ vào sổ này.")
            )
            self.merge_list_button.setEnabled(False)
            self.merge_list_button.setToolTip(
                self.tr("Chỉ quản trị viên được gộp danh sách của xã cũ vào sổ này.")
            )
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.usage_label = QLabel()
        self.usage_label.setObjectName("backupUsage")
        self.usage_label.setWordWrap(True)
        self.limit_box = QSpinBox()
        self.limit_box.setRange(0, MAX_LIMIT_MB)
        self.limit_box.setSingleStep(100)
        self.limit_box.setSuffix(" MB")
        self.limit_box.setSpecialValueText(self.tr("Mặc định (5 × sổ)"))
        self.limit_button = QPushButton(self.tr("Đặt giới hạn"))
        usage = QHBoxLayout()
        usage.addWidget(self.usage_label, 1)
        may_set = book.user.may(Action.SETTINGS)
        if may_set:
            usage.addWidget(QLabel(self.tr("Giới hạn dung lượng sao lưu:")))
            usage.addWidget(self.limit_box)
            usage.addWidget(self.limit_button)
        self.limit_box.setVisible(may_set)
        self.limit_button.setVisible(may_set)
        buttons = QHBoxLayout()
        buttons.addWidget(self.backup_button)
        buttons.addWidget(self.usb_button)
        buttons.addStretch(1)
        buttons.addWidget(self.restore_button)
        # The former communes (2025 mergers): a book's backup, or a template Excel list.
        merges = QHBoxLayout()
        merges.addWidget(self.merge_button)
        merges.addWidget(self.merge_list_button)
        merges.addStretch(1)
        self.model = backup_model(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        configure_table(self.table)
        for column, width in enumerate((280, 170, 150, 240, 100)):
            self.table.setColumnWidth(column, width)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 8)
        layout.addWidget(title)
        layout.addWidget(explain)
        layout.addLayout(buttons)
        layout.addLayout(merges)
        layout.addWidget(self.status)
        layout.addLayout(usage)
        layout.addWidget(self.table, 1)
        self.limit_button.clicked.connect(self.set_limit)
        self.backup_button.clicked.connect(lambda: self.backup_to(None))
        self.usb_button.clicked.connect(self.choose_folder)
        self.restore_button.clicked.connect(self.open_restore)
        self.merge_button.clicked.connect(self.open_merge)
        self.merge_list_button.clicked.connect(self.open_merge_list)

    def showEvent(self, event: QShowEvent) -> None:
        """Refresh the list whenever shown."""
        super().showEvent(event)
        self.reload()

    def reload(self) -> None:
        """List the backups folder (background)."""
        service = self._service
        run_op(self, lambda: (service.list(), service.disk_usage()), success=self._listed)

    def _listed(self, found: tuple[list[BackupListing], BackupDiskUsage]) -> None:
        listings, usage = found
        self.model.set_rows(listings)
        self.show_usage(usage)
        self.loaded.emit()

    def show_usage(self, usage: BackupDiskUsage) -> None:
        """How much disk the backups take, against the limit."""
        limit = format_size(usage.limit) if usage.limit else self.tr("không giới hạn")
        if usage.limit_is_default and usage.limit:
            limit = self.tr("{l} (mặc định: 5 × sổ {b})").format(l=limit, b=format_size(usage.book))
        self.usage_label.setText(
            self.tr("Các bản sao lưu đang chiếm {u} trên đĩa; giới hạn {l}.").format(
                u=format_size(usage.used), l=limit
            )
        )
        if not self.limit_box.hasFocus():
            self.limit_box.setValue(0 if usage.limit_is_default else usage.limit // MB)

    def set_limit(self) -> None:
        """Save the limit typed (administrators); the rotation applies it at once."""
        service = self._service
        megabytes = self.limit_box.value()
        run_op(
            self,
            lambda: service.set_limit_mb(megabytes),
            success=lambda _mb: self.reload(),
            failure=self._failed,
        )

    def _set_busy(self, busy: bool) -> None:
        for button in (self.backup_button, self.usb_button, self.restore_button):
            button.setEnabled(not busy)
        may_merge = self._book.user.may(Action.MERGE_BOOKS)
        self.merge_button.setEnabled(not busy and may_merge)
        self.merge_list_button.setEnabled(not busy and may_merge)

    def choose_folder(self) -> QFileDialog:
        """Pick a folder or USB stick (non-blocking), then back up there."""
        dialog = QFileDialog(self, self.tr("Chọn thư mục hoặc USB để sao lưu"))
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.fileSelected.connect(lambda chosen: self.backup_to(Path(chosen)))
        self.folder_dialog = dialog
        dialog.open()
        return dialog

    def backup_to(self, folder: Path | None) -> None:
        """Back up to ``folder`` (None: the backups folder) in the background."""
        self._set_busy(True)
        service = self._service
        run_op(
            self,
            lambda: service.backup_now(folder),
            success=self._backed_up,
            failure=self._failed,
            label=self.tr("Đang sao lưu…"),
        )

    def _backed_up(self, info: BackupInfo) -> None:
        self._set_busy(False)
        self.status.setText(
            self.tr("Đã sao lưu vào {p} ({s}).").format(p=info.path, s=format_size(info.size))
        )
        self.backed_up.emit(info)
        self.reload()

    def _failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        messages.show_exception(self, exc)

    def open_restore(self) -> RestoreWizard:
        """The restore wizard (administrators)."""
        wizard = RestoreWizard(self._service, [r for r in self.model.rows() if r.info], self)
        wizard.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        wizard.restored.connect(self._restored)
        self.wizard = wizard
        wizard.open()
        return wizard

    def open_merge(self) -> MergeBookWizard:
        """The wizard that brings a former commune's book into this one (administrators)."""
        wizard = MergeBookWizard(MergeBookService(self._book), self)
        wizard.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        wizard.merged.connect(lambda _result: self.reload())
        self.merge_wizard = wizard
        wizard.open()
        return wizard

    def open_merge_list(self) -> MergeListWizard:
        """The wizard that brings a former commune's Excel list into this book (administrators)."""
        wizard = MergeListWizard(MergeListService(self._book), self)
        wizard.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        wizard.merged.connect(lambda _result: self.reload())
        self.merge_list_wizard = wizard
        wizard.open()
        return wizard

    def _restored(self, result: RestoreResult) -> None:
        self.restored.emit(result)
        text = self.tr(
            "Đã khôi phục sổ từ bản sao lưu {f}. Dữ liệu trước khi khôi phục được cất ở {a}. "
            "Chương trình sẽ đóng; hãy mở lại và đăng nhập."
        ).format(f=result.info.path.name, a=result.aside_dir)
        if result.key_file_replaced:
            text += self.tr(" Hãy đăng nhập bằng mật khẩu của sổ trong bản sao lưu.")
        window = self.window()
        # Parentless, so it outlives the main window; kept referenced until it is closed.
        box = messages.show_message(None, text, title=self.tr("Đã khôi phục"))
        _FINAL_MESSAGES.append(box)
        box.finished.connect(lambda _r: _FINAL_MESSAGES.remove(box))
        # The book is closed: nothing may show or touch it any more.
        if window is not self:
            window.close()


class ChoosePage(QWizardPage):
    """Step 1: which backup."""

    def __init__(self, listings: list[BackupListing], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("Chọn bản sao lưu"))
        self.setSubTitle(
            self.tr("Chọn trong danh sách, hoặc chọn tệp .stebak trên USB/thư mục khác.")
        )
        self.list = QListWidget()
        for listing in listings:
            assert listing.info is not None
            item = QListWidgetItem(
                f"{local_text(listing.info.created_at)} — {listing.info.kind_label} — "
                f"{listing.path.name}"
            )
            item.setData(Qt.ItemDataRole.UserRole, str(listing.path))
            self.list.addItem(item)
        self.path = QLineEdit()
        self.path.setReadOnly(True)
        self.path.setPlaceholderText(self.tr("chưa chọn tệp"))
        self.browse = QPushButton(self.tr("Chọn tệp khác…"))
        self.file_dialog: QFileDialog | None = None
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(self.browse)
        layout = QVBoxLayout(self)
        layout.addWidget(self.list, 1)
        layout.addLayout(row)
        self.list.currentItemChanged.connect(self._picked)
        self.browse.clicked.connect(self.choose_file)
        self.path.textChanged.connect(lambda _text: self.completeChanged.emit())

    def _picked(self, item: QListWidgetItem | None) -> None:
        if item is not None:
            self.path.setText(str(item.data(Qt.ItemDataRole.UserRole)))

    def choose_file(self) -> QFileDialog:
        """A non-blocking file dialog for a .stebak file."""
        dialog = QFileDialog(self, self.tr("Chọn tệp sao lưu"))
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.setNameFilter(self.tr("Bản sao lưu Sổ Trẻ Em (*.stebak)"))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.fileSelected.connect(self.path.setText)
        self.file_dialog = dialog
        dialog.open()
        return dialog

    def isComplete(self) -> bool:
        return bool(self.path.text())


class VerifyPage(QWizardPage):
    """Step 2: every check, before anything is replaced."""

    def __init__(self, wizard: RestoreWizard) -> None:
        super().__init__(wizard)
        self._wizard = wizard
        self.setTitle(self.tr("Kiểm tra bản sao lưu"))
        self.setSubTitle(self.tr("Chưa có gì bị thay đổi cho tới bước cuối."))
        self.result = QLabel()
        self.result.setWordWrap(True)
        self.error = ErrorLabel()
        self.secret_box = QWidget()
        self.by_code = QRadioButton(self.tr("Mã khôi phục của sổ đã sao lưu"))
        self.by_code.setChecked(True)
        self.by_password = QRadioButton(self.tr("Tên đăng nhập và mật khẩu khi sao lưu"))
        self.code = QLineEdit()
        self.code.setFont(monospace_font(12))
        self.code.setPlaceholderText("XXXX-XXXX-XXXX-XXXX-XXXX-XXXX")
        self.username = QLineEdit()
        self.password = password_field()
        self.check_again = QPushButton(self.tr("Kiểm tra lại"))
        form = QFormLayout(self.secret_box)
        form.addRow(self.by_code)
        form.addRow(self.tr("Mã khôi phục:"), self.code)
        form.addRow(self.by_password)
        form.addRow(self.tr("Tên đăng nhập:"), self.username)
        form.addRow(self.tr("Mật khẩu:"), self.password)
        form.addRow("", self.check_again)
        self.secret_box.hide()
        self.confirm_other = QCheckBox(
            self.tr("Tôi hiểu đây là sổ của xã khác và muốn thay cả sổ đang dùng bằng sổ này.")
        )
        self.confirm_other.hide()
        layout = QVBoxLayout(self)
        layout.addWidget(self.result)
        layout.addWidget(self.error)
        layout.addWidget(self.secret_box)
        layout.addWidget(self.confirm_other)
        layout.addStretch(1)
        self.check_again.clicked.connect(self.run_check)
        self.confirm_other.toggled.connect(lambda _on: self.completeChanged.emit())

    def initializePage(self) -> None:
        self.secret_box.hide()
        self.confirm_other.hide()
        self.confirm_other.setChecked(False)
        self.run_check()

    def run_check(self) -> None:
        """Verify the chosen file in the background."""
        self._wizard.discard()
        self.error.show_message("")
        self.result.setText(self.tr("Đang kiểm tra…"))
        path = Path(self._wizard.choose_page.path.text())
        secret: str | None = None
        username: str | None = None
        if self.secret_box.isVisible():
            if self.by_code.isChecked():
                secret = self.code.text()
            else:
                secret, username = self.password.text(), self.username.text()
        service = self._wizard.service
        self.check_again.setEnabled(False)
        run_op(
            self,
            lambda: service.verify(path, secret, username),
            success=self._verified,
            failure=self._failed,
            label=self.tr("Đang kiểm tra bản sao lưu…"),
        )

    def _verified(self, verified: VerifiedBackup) -> None:
        self.check_again.setEnabled(True)
        self._wizard.verified = verified
        info = verified.info
        text = self.tr(
            "Bản sao lưu hợp lệ: {c} (mã {code}), tạo lúc {t}, {k}. Mã kiểm tra, dữ liệu và "
            "tính toàn vẹn đều đúng."
        ).format(
            c=info.commune_name, code=info.commune_code, t=local_text(info.created_at),
            k=info.kind_label.lower(),
        )  # fmt: skip
        self.result.setText(text)
        self.secret_box.hide()
        if verified.other_commune:
            self.error.show_message(
                self.tr(
                    "Chú ý: bản sao lưu này là của xã khác (mã {b}), không phải của xã đang "
                    "dùng (mã {c})."
                ).format(b=info.commune_code, c=verified.current_commune)
            )
            self.confirm_other.show()
        self.completeChanged.emit()

    def _failed(self, exc: BaseException) -> None:
        self.check_again.setEnabled(True)
        self.result.setText(self.tr("Không dùng được bản sao lưu này."))
        message = getattr(exc, "message_vi", None)
        if isinstance(message, str):
            self.error.show_message(message)
        else:
            messages.show_exception(self, exc)
        if isinstance(exc, BackupError) and exc.needs_secret:
            self.secret_box.show()
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        verified = self._wizard.verified
        if verified is None:
            return False
        return not verified.other_commune or self.confirm_other.isChecked()


class ConfirmPage(QWizardPage):
    """Step 3: what will happen."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("Khôi phục"))
        text = QLabel(
            self.tr(
                "Khi bấm “Khôi phục”: sổ đang mở sẽ đóng; tệp dữ liệu và tệp khóa hiện tại được "
                "cất nguyên vẹn vào thư mục sao-luu/truoc-khoi-phuc-<thời gian>; bản sao lưu "
                "được đặt vào thay. Những gì nhập sau thời điểm sao lưu sẽ không còn trong sổ "
                "(vẫn nằm trong thư mục đã cất). Sau đó hãy mở lại chương trình và đăng nhập."
            )
        )
        text.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addStretch(1)
        self.setFinalPage(True)
        self.setButtonText(QWizard.WizardButton.FinishButton, self.tr("Khôi phục"))


class RestoreWizard(QWizard):
    """Choose → verify → restore. Emits ``restored(RestoreResult)``."""

    restored = Signal(object)

    def __init__(
        self, service: BackupService, listings: list[BackupListing], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.verified: VerifiedBackup | None = None
        self._busy = False
        self.setWindowTitle(self.tr("Khôi phục từ bản sao lưu"))
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.choose_page = ChoosePage(listings, self)
        self.verify_page = VerifyPage(self)
        self.confirm_page = ConfirmPage(self)
        for page in (self.choose_page, self.verify_page, self.confirm_page):
            self.addPage(page)
        self.setMinimumSize(720, 480)

    def discard(self) -> None:
        """Forget (and delete) an extracted backup that will not be used."""
        if self.verified is not None:
            self.verified.discard()
            self.verified = None

    def accept(self) -> None:
        """Carry out the restore in the background (the book closes first)."""
        if self._busy or self.verified is None:
            return
        self._busy = True
        self.button(QWizard.WizardButton.FinishButton).setEnabled(False)
        verified, service = self.verified, self.service
        confirm = self.verify_page.confirm_other.isChecked()
        run_op(
            self,
            lambda: service.restore(verified, confirm),
            success=self._done,
            failure=self._failed,
            label=self.tr("Đang khôi phục…"),
        )

    def _done(self, result: RestoreResult) -> None:
        self.verified = None
        self._busy = False
        self.restored.emit(result)
        super().accept()

    def _failed(self, exc: BaseException) -> None:
        self._busy = False
        self.button(QWizard.WizardButton.FinishButton).setEnabled(True)
        messages.show_exception(self, exc)

    def reject(self) -> None:
        """Cancel: nothing was changed; the extracted copy is removed."""
        if self._busy:
            return
        self.discard()
        super().reject()
