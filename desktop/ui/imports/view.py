"""The “Nhập, xuất, in” area: import from Excel, print the book, the police ID list."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desktop.core.domain.permissions import Action
from desktop.core.reports.protect import ExportProtection
from desktop.core.services.book import Book
from desktop.core.services.exports import ExportedFile, ExportService, PoliceImportReport
from desktop.ui import messages
from desktop.ui.changes import Change, announce
from desktop.ui.imports.wizard import ImportWizard
from desktop.ui.ops import run_op
from desktop.ui.printing.dialogs import (
    BlankFormDialog,
    ChildProfileDialog,
    HamletBookDialog,
    open_dialog,
)
from desktop.ui.printing.export_list import export_table
from desktop.ui.printing.files import (
    ask_protection,
    choose_open_path,
    choose_save_path,
    offer_to_open,
)


def _tr(text: str) -> str:
    return QCoreApplication.translate("DataExchangeView", text)


class DataExchangeView(QWidget):
    """Buttons for every way data enters or leaves the book on paper or in files."""

    def __init__(self, book: Book, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._book = book
        self._service = ExportService(book)
        self.wizard: ImportWizard | None = None
        user = book.user
        may_import = user.may(Action.IMPORT) and user.hamlet_ids is None
        may_export = user.may(Action.EXPORT)

        title = QLabel(self.tr("Nhập, xuất, in"))
        title.setObjectName("pageTitle")

        self.import_button = QPushButton(self.tr("Nhập danh sách từ Excel…"))
        self.import_button.setObjectName("primary")
        self.template_button = QPushButton(self.tr("Lưu tệp mẫu nhập…"))
        import_box = self._box(
            self.tr("Nhập danh sách từ Excel hoặc CSV"),
            self.tr(
                "Nhập danh sách hộ và trẻ em xã đang có trong Excel. Chương trình xem trước "
                "từng dòng, sao lưu sổ trước khi ghi, và trả lại các dòng có lỗi để sửa."
            ),
            [self.import_button, self.template_button],
        )
        import_box.setVisible(may_import)

        self.book_button = QPushButton(self.tr("In sổ của một thôn…"))
        self.form_button = QPushButton(self.tr("In phiếu thu thập trống…"))
        self.profile_button = QPushButton(self.tr("In hồ sơ trẻ…"))
        self.households_button = QPushButton(self.tr("Xuất danh sách hộ ra Excel…"))
        self.book_button.setVisible(may_export)
        self.profile_button.setVisible(may_export)
        self.households_button.setVisible(may_export)
        print_box = self._box(
            self.tr("In và xuất"),
            self.tr(
                "In sổ theo mẫu sổ giấy để cộng tác viên đối chiếu, in phiếu trống để thu thập "
                "tại hộ, in hồ sơ một trẻ. Tệp có thông tin cá nhân nên được đặt mật khẩu."
            ),
            [self.book_button, self.form_button, self.profile_button, self.households_button],
        )

        self.police_export_button = QPushButton(self.tr("Xuất danh sách gửi Công an xã…"))
        self.police_import_button = QPushButton(self.tr("Nhập danh sách Công an xã trả về…"))
        self.police_report = QPlainTextEdit()
        self.police_report.setReadOnly(True)
        self.police_report.setPlaceholderText(
            self.tr("Kết quả nhập danh sách Công an xã trả về sẽ hiện ở đây.")
        )
        self.police_report.setMinimumHeight(120)
        police_box = self._box(
            self.tr("Xác minh số định danh với Công an xã (Đề án 06)"),
            self.tr(
                "1. Xuất danh sách trẻ chưa có số định danh hoặc có số không khớp với ngày sinh, "
                "giới tính. 2. Gửi Công an xã đối chiếu và ghi số vào cột tô vàng. 3. Nhập lại "
                "danh sách đã điền: số định danh được ghi vào đúng hồ sơ trẻ."
            ),
            [self.police_export_button, self.police_import_button],
        )
        police_box.layout().addWidget(self.police_report)  # type: ignore[union-attr]
        self.police_export_button.setVisible(may_export)
        self.police_import_button.setVisible(may_import)
        police_box.setVisible(may_export or may_import)

        content = QWidget()
        layout = QVBoxLayout(content)
        layout.setContentsMargins(16, 12, 16, 8)
        layout.addWidget(title)
        layout.addWidget(import_box)
        layout.addWidget(print_box)
        layout.addWidget(police_box)
        layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(content)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)

        self.import_button.clicked.connect(self.open_import)
        self.template_button.clicked.connect(self.save_template)
        self.book_button.clicked.connect(lambda: open_dialog(HamletBookDialog(book, self)))
        self.form_button.clicked.connect(lambda: open_dialog(BlankFormDialog(book, self)))
        self.profile_button.clicked.connect(lambda: open_dialog(ChildProfileDialog(book, self)))
        self.households_button.clicked.connect(self.export_households)
        self.police_export_button.clicked.connect(self.choose_police_export)
        self.police_import_button.clicked.connect(self.choose_police_import)

    @staticmethod
    def _box(title: str, text: str, buttons: list[QPushButton]) -> QGroupBox:
        box = QGroupBox(title)
        intro = QLabel(text)
        intro.setWordWrap(True)
        intro.setObjectName("hintLabel")
        grid = QGridLayout()
        for index, button in enumerate(buttons):
            grid.addWidget(button, index // 2, index % 2)
        layout = QVBoxLayout(box)
        layout.addWidget(intro)
        layout.addLayout(grid)
        return box

    # -- import ---------------------------------------------------------------------------

    def open_import(self) -> ImportWizard:
        """Open the import wizard (window-modal, non-blocking)."""
        wizard = ImportWizard(self._book, self)
        wizard.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        wizard.imported.connect(lambda _result: announce(Change.BOOK))
        wizard.finished.connect(lambda _r: self._forget(wizard))
        self.wizard = wizard
        wizard.open()
        return wizard

    def _forget(self, wizard: ImportWizard) -> None:
        if self.wizard is wizard:
            self.wizard = None

    def save_template(self) -> None:
        """Save the documented import template."""
        from desktop.core.services.imports import write_import_template

        def write(path: Path) -> None:
            run_op(
                self,
                lambda: write_import_template(path),
                success=lambda written: offer_to_open(self, written, self.tr("tệp mẫu nhập")),
            )

        choose_save_path(self, self.tr("Lưu tệp mẫu nhập"), "mau-nhap-danh-sach-tre-em.xlsx", write)

    # -- lists ----------------------------------------------------------------------------

    def export_households(self) -> None:
        """The household list (all hamlets) to Excel."""
        service = self._service
        export_table(self, self._book, service.households_table, "danh-sach-ho.xlsx")

    # -- Đề án 06 ---------------------------------------------------------------------------

    def choose_police_export(self) -> None:
        """Ask where to save the list for the police, and a password."""
        choose_save_path(
            self,
            self.tr("Lưu danh sách gửi Công an xã"),
            "danh-sach-xac-minh-so-dinh-danh.xlsx",
            lambda path: ask_protection(self, lambda p: self.export_police_list(path, p)),
        )

    def export_police_list(self, path: Path, protection: ExportProtection | None = None) -> None:
        """Write the verification list to ``path`` in the background."""
        service = self._service
        run_op(
            self,
            lambda: service.write_police_list(path, protection),
            success=self._police_exported,
            label=self.tr("Đang lập danh sách…"),
        )

    def _police_exported(self, done: ExportedFile) -> None:
        self.police_report.setPlainText(
            self.tr(
                "Đã lập danh sách {n} trẻ cần xác minh: {p}\n"
                "Gửi tệp cho Công an xã (báo mật khẩu qua điện thoại); khi nhận lại, bấm "
                "“Nhập danh sách Công an xã trả về…”."
            ).format(n=done.rows, p=done.path)
        )
        offer_to_open(
            self, done.path, self.tr("danh sách {n} trẻ cần xác minh").format(n=done.rows)
        )

    def choose_police_import(self) -> None:
        """Ask for the list the police returned."""
        choose_open_path(self, self.tr("Chọn danh sách Công an xã trả về"), self.import_police_list)

    def import_police_list(self, path: Path) -> None:
        """Set the verified ID numbers (background; the book is backed up first)."""
        service = self._service
        run_op(
            self,
            lambda progress: service.import_police_list(path, progress),
            success=self._police_imported,
            label=self.tr("Đang cập nhật số định danh…"),
            with_progress=True,
        )

    def _police_imported(self, report: PoliceImportReport) -> None:
        lines = report.lines()
        if report.backup_file is not None:
            lines.insert(0, self.tr("Đã sao lưu sổ trước khi cập nhật: {p}").format(
                p=report.backup_file))  # fmt: skip
        self.police_report.setPlainText("\n".join(lines))
        if report.changed:
            announce(Change.BOOK)
        messages.show_message(
            self,
            self.tr("Đã cập nhật số định danh cho {n} trẻ. Xem chi tiết trong ô kết quả.").format(
                n=len(report.changed)
            ),
        )


def exchange_areas(book: Book) -> list[tuple[str, QWidget]]:
    """The “Nhập, xuất, in” area, for roles that may import or export (not viewers)."""
    user = book.user
    if not (user.may(Action.IMPORT) or user.may(Action.EXPORT)):
        return []
    view = DataExchangeView(book)
    return [(_tr("Nhập, xuất, in"), view)]
