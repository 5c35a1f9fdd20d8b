"""The "Báo cáo" area: children under 16 by age group and sex, PDF and Excel export."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop import paths
from desktop.core.domain.dates import format_vn_date
from desktop.core.reports.formatting import vn_int
from desktop.core.reports.protect import ExportProtection
from desktop.core.services.book import Book
from desktop.core.services.reports import PopulationReport, ReportService
from desktop.ui import messages
from desktop.ui.ops import run_op
from desktop.ui.reports.drilldown import DrilldownDialog
from desktop.ui.reports.files import (
    ask_report_path,
    offer_to_open,
    with_suffix,
    write_maybe_protected,
)
from desktop.ui.reports.model import PopulationTableModel
from desktop.ui.security.export_dialog import ExportPasswordDialog
from desktop.ui.widgets import DateLineEdit, ErrorLabel
from sync import clock


class ReportsView(QWidget):
    """Compute the population on a reference date, show it, export it, drill down."""

    computed = Signal()
    exported = Signal(str)  # the path written

    def __init__(self, book: Book, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._book = book
        self._service = ReportService(book)
        self._busy = False
        self._shown_once = False
        self.file_dialog: QFileDialog | None = None
        self.drilldown: DrilldownDialog | None = None
        self.password_dialog: ExportPasswordDialog | None = None

        title = QLabel(self.tr("Báo cáo số trẻ em dưới 16 tuổi"))
        title.setObjectName("pageTitle")
        subtitle = QLabel(self.tr("Theo nhóm tuổi và giới tính, tính đến ngày chốt số liệu."))
        subtitle.setObjectName("hintLabel")
        self.reference_date = DateLineEdit(label=self.tr("Ngày chốt số liệu"))
        self.reference_date.set_value(clock.today())
        self.reference_date.setFixedWidth(130)
        self.date_error = ErrorLabel()
        self.compute_button = QPushButton(self.tr("Tính"))
        self.compute_button.setObjectName("primary")
        self.pdf_button = QPushButton(self.tr("Xuất PDF…"))
        self.xlsx_button = QPushButton(self.tr("Xuất Excel…"))
        # Aggregate numbers only (no personal data): a password is offered, not pressed.
        self.protect_check = QCheckBox(self.tr("Đặt mật khẩu cho tệp"))
        # The signer printed under the signature: the one last typed on a periodic report.
        last_name, self._signer_lines = self._service.last_signer()
        self.signer_edit = QLineEdit(last_name)
        self.signer_edit.setPlaceholderText(self.tr("Họ tên người ký (in dưới chữ ký)"))
        self.signer_edit.setMinimumWidth(260)

        self.model = PopulationTableModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(32)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        header.setHighlightSections(False)
        self.table.setMaximumWidth(860)
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._fit_table_height()

        self.summary = QLabel()
        self.summary.setObjectName("sectionTitle")
        self.summary.setWordWrap(True)
        self.definition = QLabel()
        self.definition.setWordWrap(True)
        self.definition.setObjectName("hintLabel")
        self.drill_hint = QLabel(
            self.tr("Bấm đúp vào một con số để xem danh sách trẻ em được đếm trong ô đó.")
        )
        self.drill_hint.setObjectName("hintLabel")
        self.drill_hint.hide()

        controls = QHBoxLayout()
        controls.addWidget(QLabel(self.tr("Ngày chốt số liệu:")))
        controls.addWidget(self.reference_date)
        controls.addWidget(self.compute_button)
        controls.addSpacing(24)
        controls.addWidget(self.pdf_button)
        controls.addWidget(self.xlsx_button)
        controls.addWidget(self.protect_check)
        controls.addStretch(1)
        signer_row = QHBoxLayout()
        signer_row.addWidget(QLabel(self.tr("Người ký báo cáo:")))
        signer_row.addWidget(self.signer_edit)
        signer_row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 8)
        layout.addWidget(title)
        layout.addWidget(subtitle)
        layout.addSpacing(6)
        layout.addLayout(controls)
        layout.addLayout(signer_row)
        layout.addWidget(self.date_error)
        layout.addSpacing(6)
        layout.addWidget(self.summary)
        layout.addWidget(self.table)
        layout.addWidget(self.drill_hint)
        layout.addWidget(self.definition)
        layout.addStretch(1)

        self.compute_button.clicked.connect(self.compute)
        self.reference_date.returnPressed.connect(self.compute)
        self.pdf_button.clicked.connect(lambda: self.choose_export_path("pdf"))
        self.xlsx_button.clicked.connect(lambda: self.choose_export_path("xlsx"))
        self.table.doubleClicked.connect(self.open_drilldown)
        self.reference_date.problem_changed.connect(self.date_error.show_message)

    # -- computing ------------------------------------------------------------------------

    def _date(self) -> date | None:
        if not self.reference_date.check():
            self.reference_date.setFocus()
            return None
        value = self.reference_date.value()
        if value is None:
            self.date_error.show_message(self.tr("Hãy nhập ngày chốt số liệu (dd/mm/yyyy)."))
            self.reference_date.setFocus()
        return value

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        for button in (self.compute_button, self.pdf_button, self.xlsx_button):
            button.setEnabled(not busy)

    def compute(self) -> None:
        """Compute the report for the typed date in the background."""
        on = self._date()
        if on is None or self._busy:
            return
        self._set_busy(True)
        service = self._service
        run_op(
            self,
            lambda: service.population(on),
            success=self._computed,
            failure=self._failed,
            label=self.tr("Đang tính số liệu…"),
        )

    def _failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        messages.show_exception(self, exc)

    def _computed(self, report: PopulationReport) -> None:
        self._set_busy(False)
        self.show_report(report)
        self.computed.emit()

    def _fit_table_height(self) -> None:
        # Exactly the header and five rows: no empty band under "Tổng cộng".
        rows = max(self.model.rowCount(), 5)
        height = (
            self.table.horizontalHeader().sizeHint().height()
            + rows * self.table.verticalHeader().defaultSectionSize()
            + 2 * self.table.frameWidth()
        )
        self.table.setFixedHeight(height)

    def showEvent(self, event: QShowEvent) -> None:
        """Compute today's figures the first time the area is shown."""
        super().showEvent(event)
        if not self._shown_once:
            self._shown_once = True
            self.compute()

    def show_report(self, report: PopulationReport) -> None:
        """Display ``report``."""
        self.model.set_report(report)
        self._fit_table_height()
        table = report.table
        self.summary.setText(
            self.tr(
                "Tính đến ngày {d}: {t} trẻ em dưới 16 tuổi ({m} nam, {f} nữ, "
                "{u} chưa xác định giới tính)."
            ).format(
                d=format_vn_date(report.reference_date),
                t=vn_int(table.total),
                m=vn_int(table.total_male),
                f=vn_int(table.total_female),
                u=vn_int(table.total_unknown),
            )
        )
        self.definition.setText("\n".join(table.notes))
        self.drill_hint.setVisible(table.total > 0)

    # -- export ---------------------------------------------------------------------------

    def choose_export_path(self, fmt: str) -> QFileDialog | None:
        """Ask where to save (non-blocking file dialog), then export there."""
        on = self._date()
        if on is None or self._busy:
            return None
        default = paths.exports_dir() / f"so-tre-em-{on.strftime('%d-%m-%Y')}.{fmt}"
        self.file_dialog = ask_report_path(
            self, fmt, default, lambda chosen: self._export_chosen(chosen, fmt, on)
        )
        return self.file_dialog

    def _export_chosen(self, path: Path, fmt: str, on: date) -> None:
        dialog = write_maybe_protected(
            self,
            self.protect_check.isChecked(),
            lambda p: self.export_to(path, fmt, on, p),
        )
        if dialog is not None:
            self.password_dialog = dialog

    def export_to(
        self,
        path: Path,
        fmt: str,
        on: date | None = None,
        protection: ExportProtection | None = None,
    ) -> None:
        """Write the report for ``on`` (default: the typed date) to ``path`` as ``fmt``."""
        on = on or self._date()
        if on is None or self._busy:
            return
        path = with_suffix(path, fmt)
        self._set_busy(True)
        service = self._service
        signer = self.signer_edit.text().strip() or None
        lines = list(self._signer_lines)
        run_op(
            self,
            lambda: service.write_population(
                on, path, fmt, protection=protection, signer_name=signer, signer_lines=lines
            ),
            success=lambda report: self._exported(report, path),
            failure=self._failed,
            label=self.tr("Đang xuất báo cáo…"),
        )

    def _exported(self, report: PopulationReport, path: Path) -> None:
        self._set_busy(False)
        self.show_report(report)
        self.exported.emit(str(path))
        offer_to_open(self, path)

    # -- drill-down -----------------------------------------------------------------------

    def open_drilldown(self, index: QModelIndex | QPersistentModelIndex) -> DrilldownDialog | None:
        """List the children behind the double-clicked number."""
        cell = self.model.cell(index)
        if cell is None:
            return None
        dialog = DrilldownDialog(self._book, cell.describe(), self.model.members(cell), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.drilldown = dialog
        dialog.open()
        return dialog
