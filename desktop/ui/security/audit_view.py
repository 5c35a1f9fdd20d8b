"""The "Nhật ký" area (administrators): browse the audit trail with filters, page by page."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.core.services.audit import (
    PAGE_SIZE,
    AuditFilter,
    AuditPage,
    AuditRow,
    AuditService,
    ChainReport,
    FilterChoices,
    local_text,
)
from desktop.core.services.book import Book
from desktop.ui import messages
from desktop.ui.ops import run_op
from desktop.ui.security.table import RowsModel, configure_table
from desktop.ui.widgets import DateLineEdit, ErrorLabel

AUDIT_COLUMNS = [
    ("Số", lambda r: str(r.seq)),
    ("Thời gian", lambda r: local_text(r.at)),
    ("Người làm", lambda r: r.username),
    ("Việc", lambda r: r.action_label),
    ("Loại dữ liệu", lambda r: r.table_label),
    ("Mã bản ghi", lambda r: r.record_id),
    ("Trường thay đổi", lambda r: r.summary()),
]


def audit_model(parent: QWidget | None = None) -> RowsModel[AuditRow]:
    """The audit table model (one page of lines)."""
    return RowsModel(AUDIT_COLUMNS, parent)


def describe(row: AuditRow) -> str:
    """The full content of a line, field by field, before → after."""
    lines = [
        f"Dòng số {row.seq} — {local_text(row.at)} — {row.username}",
        f"{row.action_label}: {row.table_label} {row.record_id}".rstrip(),
        "",
    ]
    for change in row.changes:
        if change.before and change.after:
            lines.append(f"{change.field}: {change.before} → {change.after}")
        else:
            lines.append(f"{change.field}: {change.after or change.before}")
    return "\n".join(lines)


class AuditView(QWidget):
    """Filters, a paged table, the selected line's details, and a chain check."""

    page_loaded = Signal()
    verified = Signal(object)  # ChainReport

    def __init__(self, book: Book, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._service = AuditService(book)
        self._offset = 0
        self._total = 0
        self._filters = AuditFilter()
        title = QLabel(self.tr("Nhật ký thao tác"))
        title.setObjectName("pageTitle")
        subtitle = QLabel(
            self.tr(
                "Mọi thay đổi, mọi lần xem hồ sơ có thông tin cá nhân, đăng nhập, xuất tệp, sao "
                "lưu và khôi phục. Nhật ký chỉ được thêm, không sửa hay xóa được."
            )
        )
        subtitle.setObjectName("hintLabel")
        subtitle.setWordWrap(True)
        self.user_filter = QComboBox()
        self.action_filter = QComboBox()
        self.table_filter = QComboBox()
        self.date_from = DateLineEdit(label=self.tr("Từ ngày"))
        self.date_to = DateLineEdit(label=self.tr("Đến ngày"))
        self.record_filter = QLineEdit()
        self.record_filter.setPlaceholderText(self.tr("mã bản ghi"))
        self.apply_button = QPushButton(self.tr("Lọc"))
        self.apply_button.setObjectName("primary")
        self.clear_button = QPushButton(self.tr("Bỏ lọc"))
        self.verify_button = QPushButton(self.tr("Kiểm tra toàn vẹn"))
        self.error = ErrorLabel()
        filters = QGridLayout()
        filters.addWidget(QLabel(self.tr("Người làm:")), 0, 0)
        filters.addWidget(self.user_filter, 0, 1)
        filters.addWidget(QLabel(self.tr("Việc:")), 0, 2)
        filters.addWidget(self.action_filter, 0, 3)
        filters.addWidget(QLabel(self.tr("Loại dữ liệu:")), 0, 4)
        filters.addWidget(self.table_filter, 0, 5)
        filters.addWidget(QLabel(self.tr("Từ ngày:")), 1, 0)
        filters.addWidget(self.date_from, 1, 1)
        filters.addWidget(QLabel(self.tr("Đến ngày:")), 1, 2)
        filters.addWidget(self.date_to, 1, 3)
        filters.addWidget(QLabel(self.tr("Mã bản ghi:")), 1, 4)
        filters.addWidget(self.record_filter, 1, 5)
        actions = QHBoxLayout()
        actions.addWidget(self.apply_button)
        actions.addWidget(self.clear_button)
        actions.addStretch(1)
        actions.addWidget(self.verify_button)

        self.model = audit_model(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        configure_table(self.table)
        for column, width in enumerate((60, 150, 110, 110, 130, 120)):
            self.table.setColumnWidth(column, width)
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setPlaceholderText(self.tr("Chọn một dòng để xem giá trị trước và sau."))
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self.details)
        splitter.setSizes([420, 140])
        self.previous_button = QPushButton(self.tr("‹ Trang trước"))
        self.next_button = QPushButton(self.tr("Trang kế tiếp ›"))
        self.page_label = QLabel()
        pager = QHBoxLayout()
        pager.addWidget(self.previous_button)
        pager.addWidget(self.page_label)
        pager.addWidget(self.next_button)
        pager.addStretch(1)
        self.chain_label = QLabel()
        self.chain_label.setWordWrap(True)
        pager.addWidget(self.chain_label, 3)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 8)
        layout.addWidget(title)
        layout.addWidget(subtitle)
        layout.addLayout(filters)
        layout.addLayout(actions)
        layout.addWidget(self.error)
        layout.addWidget(splitter, 1)
        layout.addLayout(pager)

        self.apply_button.clicked.connect(self.apply_filters)
        self.record_filter.returnPressed.connect(self.apply_filters)
        self.clear_button.clicked.connect(self.clear_filters)
        self.previous_button.clicked.connect(lambda: self.load_page(self._offset - PAGE_SIZE))
        self.next_button.clicked.connect(lambda: self.load_page(self._offset + PAGE_SIZE))
        self.verify_button.clicked.connect(self.verify)
        self.table.selectionModel().selectionChanged.connect(self._show_details)
        self._update_pager()

    def showEvent(self, event: QShowEvent) -> None:
        """Refresh the filter choices and the current page whenever shown."""
        super().showEvent(event)
        self.reload()

    def reload(self) -> None:
        """Load the filter choices, then the current page (background)."""
        service = self._service
        run_op(self, service.choices, success=self._set_choices)
        self.load_page(self._offset)

    def _set_choices(self, choices: FilterChoices) -> None:
        for combo, items in (
            (self.user_filter, [(u, u) for u in choices.usernames]),
            (self.action_filter, [(label, code) for code, label in choices.actions]),
            (self.table_filter, [(label, code) for code, label in choices.tables]),
        ):
            current = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(self.tr("Tất cả"), None)
            for text, data in items:
                combo.addItem(text, data)
            index = combo.findData(current)
            combo.setCurrentIndex(max(0, index))
            combo.blockSignals(False)

    def current_filters(self) -> AuditFilter | None:
        """The filters typed, or None (with a message) if a date is wrong."""
        if not (self.date_from.check() and self.date_to.check()):
            self.error.show_message(self.date_from.problem or self.date_to.problem)
            return None
        self.error.show_message("")
        return AuditFilter(
            username=self.user_filter.currentData(),
            action=self.action_filter.currentData(),
            table_name=self.table_filter.currentData(),
            date_from=self.date_from.value(),
            date_to=self.date_to.value(),
            record_id=self.record_filter.text().strip() or None,
        )

    def apply_filters(self) -> None:
        """Show the first page of lines matching the filters."""
        filters = self.current_filters()
        if filters is None:
            return
        self._filters = filters
        self.load_page(0)

    def clear_filters(self) -> None:
        """Show everything again."""
        for combo in (self.user_filter, self.action_filter, self.table_filter):
            combo.setCurrentIndex(0)
        for field in (self.date_from, self.date_to):
            field.set_value(None)
        self.record_filter.clear()
        self.apply_filters()

    def load_page(self, offset: int) -> None:
        """Load the page starting at ``offset`` (background)."""
        service, filters = self._service, self._filters
        start = max(0, offset)
        run_op(
            self,
            lambda: service.page(filters, start, PAGE_SIZE),
            success=self._page_loaded,
        )

    def _page_loaded(self, page: AuditPage) -> None:
        self._offset, self._total = page.offset, page.total
        self.model.set_rows(page.rows)
        self.details.clear()
        self._update_pager()
        self.page_loaded.emit()

    def _update_pager(self) -> None:
        pages = max(1, -(-self._total // PAGE_SIZE))
        current = self._offset // PAGE_SIZE + 1
        self.page_label.setText(
            self.tr("Trang {p}/{n} — {t} dòng").format(p=current, n=pages, t=self._total)
        )
        self.previous_button.setEnabled(self._offset > 0)
        self.next_button.setEnabled(self._offset + PAGE_SIZE < self._total)

    def _show_details(self, *_args: object) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            self.details.setPlainText(describe(self.model.row_at(rows[0].row())))

    def verify(self) -> None:
        """Walk the whole chain in the background and say what was found."""
        self.verify_button.setEnabled(False)
        run_op(
            self,
            self._service.verify,
            success=self._verified,
            failure=self._verify_failed,
            label=self.tr("Đang kiểm tra nhật ký…"),
        )

    def _verified(self, report: ChainReport) -> None:
        self.verify_button.setEnabled(True)
        self.chain_label.setText(report.message_vi)
        self.chain_label.setObjectName("hintLabel" if report.ok else "errorLabel")
        self.chain_label.style().unpolish(self.chain_label)
        self.chain_label.style().polish(self.chain_label)
        self.verified.emit(report)
        if not report.ok:
            messages.show_error(self, report.message_vi, title=self.tr("Nhật ký bị can thiệp"))

    def _verify_failed(self, exc: BaseException) -> None:
        self.verify_button.setEnabled(True)
        messages.show_exception(self, exc)
