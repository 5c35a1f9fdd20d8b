"""The import wizard: file → (column mapping for other layouts) → preview → import → result.

Every step's work runs in the background (ops.run_op). The import itself shows a progress
bar with a “Dừng” button: stopping rolls the one transaction back, so the book is exactly as
it was. The rejected rows can be saved as an .xlsx with an error column at the preview and
after the import.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.core.importer.fields import ALL_FIELDS, FieldSpec
from desktop.core.importer.headers import MappingSpec, column_label, load_mapping_file
from desktop.core.importer.reader import MAX_FILE_MB, ImportFileError
from desktop.core.reports.protect import ExportProtection
from desktop.core.services.book import Book
from desktop.core.services.imports import (
    FileOverview,
    ImportPreview,
    ImportResult,
    ImportService,
    write_import_template,
)
from desktop.ui import messages
from desktop.ui.imports.models import PreviewTableModel, ProblemTableModel, SampleTableModel
from desktop.ui.ops import Op, run_op
from desktop.ui.printing.files import (
    ask_protection,
    choose_open_path,
    choose_save_path,
    offer_to_open,
)
from desktop.ui.screen import resize_to_fit
from desktop.ui.widgets import DateLineEdit, ErrorLabel
from sync import clock

FILE, MAPPING, PREVIEW, DONE = range(4)
NOT_MAPPED = -1
# The answers of yes/no columns, shown beside their names in the mapping step.
_CHOICES = {"birth_registered": " (Có/Chưa)", "insurance": " (Có/Không)", "sex": " (Nam/Nữ)"}


def _tr(text: str) -> str:
    return QCoreApplication.translate("ImportWizard", text)


def _count(value: int) -> str:
    return f"{value:,}".replace(",", ".")


class _Counts(QWidget):
    """Four numbers side by side: created, updated, unchanged, rejected."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        self.values: dict[str, QLabel] = {}
        captions = (
            ("created", _tr("Thêm mới")),
            ("updated", _tr("Cập nhật")),
            ("unchanged", _tr("Không đổi")),
            ("rejected", _tr("Bị từ chối (có lỗi)")),
        )
        for column, (key, caption) in enumerate(captions):
            value = QLabel("0")
            value.setObjectName("pageTitle")
            value.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label = QLabel(caption)
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            grid.addWidget(value, 0, column)
            grid.addWidget(label, 1, column)
            self.values[key] = value
        self.values["rejected"].setStyleSheet("color: #b71c1c;")

    def show_counts(self, created: int, updated: int, unchanged: int, rejected: int) -> None:
        """Show the four numbers."""
        for key, value in zip(
            ("created", "updated", "unchanged", "rejected"),
            (created, updated, unchanged, rejected),
            strict=True,
        ):
            self.values[key].setText(_count(value))


class ImportWizard(QDialog):
    """Import a list of households and children from an .xlsx or .csv file."""

    imported = Signal(object)  # ImportResult, after the good rows were written
    step_changed = Signal(int)

    def __init__(self, book: Book, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._book = book
        self._service = ImportService(book)
        self.path: Path | None = None
        self.overview: FileOverview | None = None
        self.preview: ImportPreview | None = None
        self.import_result: ImportResult | None = None
        self._busy = False
        self._import_succeeded = False
        self.file_dialog: QWidget | None = None
        self.setWindowTitle(self.tr("Nhập danh sách từ Excel"))

        self.step = QLabel()
        self.step.setObjectName("sectionTitle")
        self.pages = QStackedWidget()
        self.pages.addWidget(self._file_page())
        self.pages.addWidget(self._mapping_page())
        self.pages.addWidget(self._preview_page())
        self.pages.addWidget(self._done_page())
        self.error = ErrorLabel()

        self.back_button = QPushButton(self.tr("< Quay lại"))
        self.next_button = QPushButton(self.tr("Tiếp >"))
        self.next_button.setObjectName("primary")
        self.next_button.setDefault(True)
        self.close_button = QPushButton(self.tr("Đóng"))
        buttons = QHBoxLayout()
        buttons.addWidget(self.back_button)
        buttons.addStretch(1)
        buttons.addWidget(self.next_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.step)
        layout.addWidget(self.pages, 1)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        self.back_button.clicked.connect(self.go_back)
        self.next_button.clicked.connect(self.go_next)
        self.close_button.clicked.connect(self.reject)
        # Fits 1366×768 at 125 % too (1093×614 logical, less taskbar and title bar).
        self.setMinimumSize(900, 500)
        resize_to_fit(self, 1040, 660)
        self._show(FILE)

    # -- pages ------------------------------------------------------------------------------

    def _file_page(self) -> QWidget:
        page = QWidget()
        intro = QLabel(
            self.tr(
                "Chọn tệp Excel (.xlsx) hoặc CSV có danh sách hộ và trẻ em. Tệp theo mẫu nhập "
                "của Sổ Trẻ Em được nhận ngay; tệp có bố cục khác sẽ qua bước ghép cột. Chưa "
                "có gì được ghi vào sổ trước khi bạn xem trước và bấm “Nhập”."
            )
        )
        intro.setWordWrap(True)
        self.path_field = QLineEdit()
        self.path_field.setReadOnly(True)
        self.path_field.setPlaceholderText(self.tr("Chưa chọn tệp"))
        self.browse_button = QPushButton(self.tr("Chọn tệp…"))
        self.template_button = QPushButton(self.tr("Lưu tệp mẫu nhập…"))
        row = QHBoxLayout()
        row.addWidget(self.path_field, 1)
        row.addWidget(self.browse_button)
        self.sheet = QComboBox()
        self.sheet.setMinimumWidth(220)
        self.sheet.setMaximumWidth(420)
        self.sheet.setEnabled(False)
        self.reference_date = DateLineEdit(label=self.tr("Số liệu tính đến ngày"))
        self.reference_date.set_value(clock.today())
        self.reference_date.setFixedWidth(130)
        form = QFormLayout()
        form.addRow(self.tr("Tệp:"), row)
        form.addRow(self.tr("Trang tính:"), self.sheet)
        form.addRow(self.tr("Số liệu tính đến ngày:"), self.reference_date)
        date_hint = QLabel(
            self.tr(
                "Tuổi được tính đến ngày này: người từ 16 tuổi được ghi là thành viên hộ, không "
                "phải trẻ em; nhóm hoàn cảnh đặc biệt được ghi bắt đầu từ ngày này."
            )
        )
        date_hint.setObjectName("hintLabel")
        date_hint.setWordWrap(True)
        self.file_info = QLabel()
        self.file_info.setWordWrap(True)
        self.file_info.setObjectName("calmLabel")
        self.file_info.hide()
        limits = QLabel(
            self.tr("Giới hạn: tệp đến {mb} MB; một lần nhập đến 100.000 dòng.").format(
                mb=MAX_FILE_MB
            )
        )
        limits.setObjectName("hintLabel")
        layout = QVBoxLayout(page)
        layout.addWidget(intro)
        layout.addSpacing(8)
        layout.addLayout(form)
        layout.addWidget(date_hint)
        layout.addSpacing(8)
        layout.addWidget(self.file_info)
        layout.addStretch(1)
        template_row = QHBoxLayout()
        template_row.addWidget(limits, 1)
        template_row.addWidget(self.template_button)
        layout.addLayout(template_row)
        self.browse_button.clicked.connect(self.choose_file)
        self.template_button.clicked.connect(self.save_template)
        self.sheet.activated.connect(self._sheet_chosen)
        return page

    def _mapping_page(self) -> QWidget:
        page = QWidget()
        intro = QLabel(
            self.tr(
                "Tệp này không dùng đúng tên cột của mẫu. Hãy chọn, cho mỗi thông tin, cột của "
                "tệp chứa nó (cột có dấu * là bắt buộc). Chương trình đã đoán sẵn những cột "
                "nhận ra được."
            )
        )
        intro.setWordWrap(True)
        self.header_row = QSpinBox()
        self.header_row.setRange(1, 30)
        self.reread_button = QPushButton(self.tr("Đọc lại tiêu đề"))
        self.open_mapping_button = QPushButton(self.tr("Mở cách ghép đã lưu…"))
        self.save_mapping_button = QPushButton(self.tr("Lưu cách ghép cột…"))
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("Dòng tiêu đề cột:")))
        top.addWidget(self.header_row)
        top.addWidget(self.reread_button)
        top.addStretch(1)
        top.addWidget(self.open_mapping_button)
        top.addWidget(self.save_mapping_button)
        fields = QWidget()
        grid = QFormLayout(fields)
        self.field_boxes: dict[str, QComboBox] = {}
        for spec in ALL_FIELDS:
            box = QComboBox()
            box.setMinimumWidth(230)
            box.setToolTip(spec.allowed)
            grid.addRow(self._field_label(spec), box)
            self.field_boxes[spec.key] = box
        scroll = QScrollArea()
        scroll.setWidget(fields)
        scroll.setWidgetResizable(True)
        scroll.setMinimumWidth(440)
        self.sample_model = SampleTableModel(self)
        self.sample = QTableView()
        self.sample.setModel(self.sample_model)
        self.sample.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.sample.horizontalHeader().setDefaultSectionSize(150)
        sample_box = QVBoxLayout()
        sample_title = QLabel(self.tr("Các dòng đầu của tệp:"))
        sample_title.setObjectName("sectionTitle")
        sample_box.addWidget(sample_title)
        sample_box.addWidget(self.sample, 1)
        body = QHBoxLayout()
        body.addWidget(scroll, 0)
        body.addLayout(sample_box, 1)
        layout = QVBoxLayout(page)
        layout.addWidget(intro)
        layout.addLayout(top)
        layout.addLayout(body, 1)
        self.reread_button.clicked.connect(self._reread_header)
        self.save_mapping_button.clicked.connect(self.choose_mapping_file_to_save)
        self.open_mapping_button.clicked.connect(self.choose_mapping_file_to_open)
        return page

    def _field_label(self, spec: FieldSpec) -> str:
        text = spec.header + _CHOICES.get(spec.key, "")
        return f"{text} *" if spec.required else text

    def _preview_page(self) -> QWidget:
        page = QWidget()
        self.preview_counts = _Counts()
        self.preview_summary = QLabel()
        self.preview_summary.setWordWrap(True)
        self.preview_summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.problem_model = ProblemTableModel(self)
        self.problems = self._table(self.problem_model, stretch=2)
        self.line_model = PreviewTableModel(self)
        self.lines = self._table(self.line_model, stretch=6)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.problems, self.tr("Lỗi"))
        self.tabs.addTab(self.lines, self.tr("Các dòng sẽ nhập"))
        self.save_rejected_button = QPushButton(self.tr("Lưu các dòng lỗi ra Excel…"))
        self.save_rejected_button.setMinimumWidth(
            self.save_rejected_button.fontMetrics().horizontalAdvance(
                self.save_rejected_button.text()
            )
            + 32
        )
        row = QHBoxLayout()
        row.addWidget(self.preview_summary, 1)
        row.addWidget(self.save_rejected_button, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(page)
        layout.addWidget(self.preview_counts)
        layout.addLayout(row)
        layout.addWidget(self.tabs, 1)
        self.save_rejected_button.clicked.connect(self.choose_rejected_path)
        return page

    def _done_page(self) -> QWidget:
        page = QWidget()
        self.done_counts = _Counts()
        self.done_text = QLabel()
        self.done_text.setWordWrap(True)
        self.done_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.done_text.setAlignment(Qt.AlignmentFlag.AlignTop)
        scroll = QScrollArea()
        scroll.setWidget(self.done_text)
        scroll.setWidgetResizable(True)
        self.done_rejected_button = QPushButton(self.tr("Lưu các dòng bị từ chối ra Excel…"))
        layout = QVBoxLayout(page)
        layout.addWidget(self.done_counts)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.done_rejected_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.done_rejected_button.clicked.connect(self.choose_rejected_path)
        return page

    @staticmethod
    def _table(model: ProblemTableModel | PreviewTableModel, stretch: int) -> QTableView:
        table = QTableView()
        table.setModel(model)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setAlternatingRowColors(True)
        table.setWordWrap(False)
        table.verticalHeader().setVisible(False)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column in range(model.columnCount()):
            header.resizeSection(column, 60 if column == 0 else 150)
        header.resizeSection(stretch, 360)
        return table

    # -- navigation -----------------------------------------------------------------------------

    def current_step(self) -> int:
        """FILE, MAPPING, PREVIEW or DONE."""
        return self.pages.currentIndex()

    def _show(self, step: int) -> None:
        self.pages.setCurrentIndex(step)
        titles = {
            FILE: self.tr("Bước 1: Chọn tệp"),
            MAPPING: self.tr("Bước 2: Ghép cột của tệp với thông tin của sổ"),
            PREVIEW: self.tr("Bước 3: Xem trước — chưa có gì được ghi vào sổ"),
            DONE: self.tr("Đã nhập xong"),
        }
        self.step.setText(titles[step])
        self.error.show_message(None)
        self._update_buttons()
        self.step_changed.emit(step)

    def _update_buttons(self) -> None:
        step = self.current_step()
        busy = self._busy
        self.back_button.setVisible(step in (MAPPING, PREVIEW))
        self.back_button.setEnabled(not busy)
        self.next_button.setVisible(step != DONE)
        self.close_button.setEnabled(not busy)
        if step == PREVIEW and self.preview is not None:
            good = self.preview.plan.created + self.preview.plan.updated
            self.next_button.setText(
                self.tr("Nhập {n} dòng vào sổ").format(n=_count(good))
                if good
                else self.tr("Không có gì để nhập")
            )
            self.next_button.setEnabled(bool(good) and not busy)
        else:
            self.next_button.setText(
                self.tr("Xem trước >") if step == MAPPING else self.tr("Tiếp >")
            )
            self.next_button.setEnabled(not busy and (step != FILE or self.overview is not None))
        self.close_button.setText(self.tr("Hoàn tất") if step == DONE else self.tr("Đóng"))

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.browse_button.setEnabled(not busy)
        self._update_buttons()

    def go_back(self) -> None:
        """One step back (the file is kept)."""
        step = self.current_step()
        if step == PREVIEW and self.overview is not None and self.overview.needs_mapping:
            self._show(MAPPING)
        else:
            self._show(FILE)

    def go_next(self) -> None:
        """The next step: mapping (other layouts) or preview; at the preview, import."""
        step = self.current_step()
        if step == FILE:
            if self.overview is None:
                return
            if self.overview.needs_mapping:
                self._show(MAPPING)
            else:
                self.start_preview()
        elif step == MAPPING:
            self.start_preview()
        elif step == PREVIEW:
            self.start_import()

    def reject(self) -> None:
        """Closing is refused while the import is running (the “Dừng” button stops it)."""
        if self._busy:
            return
        super().reject()

    # -- step 1: the file -------------------------------------------------------------------

    def choose_file(self) -> QWidget:
        """Ask which file to import (non-blocking)."""
        self.file_dialog = choose_open_path(self, self.tr("Chọn tệp danh sách"), self.load_file)
        return self.file_dialog

    def load_file(self, path: Path, sheet: str | None = None) -> None:
        """Read the first rows of ``path`` in the background (sheet, header, mapping)."""
        self.path = path
        self.overview = None
        self.preview = None
        self.path_field.setText(str(path))
        self.file_info.hide()
        self.error.show_message(None)  # the last file's error is not this one's
        self._set_busy(True)
        service = self._service
        run_op(
            self,
            lambda: service.overview(path, sheet),
            success=self._overview_loaded,
            failure=self._file_failed,
            label=self.tr("Đang đọc tệp…"),
        )

    def _file_failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        if isinstance(exc, ImportFileError):
            self.error.show_message(exc.message_vi)
        else:
            messages.show_exception(self, exc)

    def _overview_loaded(self, overview: FileOverview) -> None:
        self._set_busy(False)
        self.overview = overview
        self.sheet.blockSignals(True)
        self.sheet.clear()
        for name in overview.sheet_names:
            self.sheet.addItem(name or self.tr("(tệp CSV)"), name)
        self.sheet.setCurrentIndex(max(self.sheet.findData(overview.sheet), 0))
        self.sheet.setEnabled(len(overview.sheet_names) > 1)
        self.sheet.blockSignals(False)
        guess = overview.guess
        if guess.header_row is None:
            text = self.tr(
                "Không tìm thấy dòng tiêu đề cột trong các dòng đầu của trang này. Hãy chọn "
                "trang khác, hoặc ghép cột ở bước sau."
            )
        elif overview.needs_mapping:
            text = self.tr(
                "Tệp có bố cục riêng (tiêu đề cột ở dòng {row}): bước tiếp theo là ghép cột."
            ).format(row=guess.header_row)
        else:
            text = self.tr(
                "Tệp dùng đúng mẫu nhập của Sổ Trẻ Em (tiêu đề cột ở dòng {row}). Bấm “Tiếp” để "
                "xem trước."
            ).format(row=guess.header_row)
        notes = [text, *overview.notices, *guess.problems]
        self.file_info.setText("\n".join(notes))
        self.file_info.show()
        self._fill_mapping(overview)
        self._update_buttons()

    def _sheet_chosen(self, _index: int) -> None:
        if self.path is not None:
            sheet = self.sheet.currentData()
            self.load_file(self.path, sheet if isinstance(sheet, str) and sheet else None)

    def save_template(self) -> None:
        """Save the documented import template where the officer chooses."""
        choose_save_path(
            self,
            self.tr("Lưu tệp mẫu nhập"),
            "mau-nhap-danh-sach-tre-em.xlsx",
            self.write_template,
        )

    def write_template(self, path: Path) -> None:
        """Write the template to ``path`` in the background."""
        run_op(
            self,
            lambda: write_import_template(path),
            success=lambda written: offer_to_open(self, written, self.tr("tệp mẫu nhập")),
        )

    # -- step 2: the mapping ------------------------------------------------------------------

    def _fill_mapping(self, overview: FileOverview) -> None:
        guess = overview.guess
        headers = list(guess.headers)
        self.sample_model.set_sample(headers, overview.sample)
        width = self.sample_model.columnCount()
        if guess.header_row is not None:
            self.header_row.setValue(guess.header_row)
        for key, box in self.field_boxes.items():
            box.clear()
            box.addItem(self.tr("(không có trong tệp)"), NOT_MAPPED)
            for column in range(width):
                box.addItem(self.sample_model.column_title(column), column)
            suggested = guess.suggested.get(key)
            box.setCurrentIndex(box.findData(suggested) if suggested is not None else 0)

    def _reread_header(self) -> None:
        if self.path is None:
            return
        path, header_row = self.path, self.header_row.value()
        sheet = self.overview.sheet if self.overview else None
        self._set_busy(True)
        service = self._service
        run_op(
            self,
            lambda: service.overview(path, sheet or None, header_row),
            success=self._reread,
            failure=self._file_failed,
        )

    def _reread(self, overview: FileOverview) -> None:
        self._set_busy(False)
        self.overview = overview
        self._fill_mapping(overview)

    def mapping_spec(self) -> MappingSpec:
        """The mapping as chosen: for each field its column letter."""
        columns = {}
        for key, box in self.field_boxes.items():
            column = box.currentData()
            if isinstance(column, int) and column != NOT_MAPPED:
                columns[key] = column_label(column)
        sheet = self.overview.sheet if self.overview else None
        return MappingSpec(columns, header_row=self.header_row.value(), sheet=sheet or None)

    def set_field_column(self, key: str, column: int | None) -> None:
        """Map ``key`` to ``column`` (0-based; None: not in the file)."""
        box = self.field_boxes[key]
        box.setCurrentIndex(box.findData(NOT_MAPPED if column is None else column))

    def choose_mapping_file_to_save(self) -> None:
        """Save the chosen mapping (JSON), to reuse it or give it to ``sotreem import``."""
        choose_save_path(self, self.tr("Lưu cách ghép cột"), "ghep-cot.json", self.save_mapping)

    def save_mapping(self, path: Path) -> None:
        """Write the mapping to ``path``."""
        try:
            path.write_text(self.mapping_spec().to_json() + "\n", encoding="utf-8")
        except OSError as exc:
            self.error.show_message(
                self.tr("Không lưu được tệp {p}: {e}").format(p=path, e=exc.strerror or exc)
            )

    def choose_mapping_file_to_open(self) -> None:
        """Load a mapping saved earlier."""
        choose_open_path(self, self.tr("Mở cách ghép cột"), self.load_mapping)

    def load_mapping(self, path: Path) -> None:
        """Apply a saved mapping to the boxes (columns by letter or header)."""
        try:
            spec = load_mapping_file(path)
        except ImportFileError as exc:
            self.error.show_message(exc.message_vi)
            return
        titles = [self.sample_model.column_title(c) for c in range(self.sample_model.columnCount())]
        for key, wanted in spec.columns.items():
            for column, title in enumerate(titles):
                letter, _sep, header = title.partition(" — ")
                if wanted.upper() == letter or header.casefold() == wanted.casefold():
                    self.set_field_column(key, column)
        if spec.header_row:
            self.header_row.setValue(spec.header_row)

    # -- step 3: the preview -------------------------------------------------------------------

    def start_preview(self) -> None:
        """Read every row and match it against the book (background, with a progress bar)."""
        if self.path is None or self.overview is None:
            return
        if not self.reference_date.check() or self.reference_date.value() is None:
            self._show(FILE)
            self.error.show_message(
                self.reference_date.problem
                or self.tr(
                    "Hãy nhập ngày mà thông tin trong danh sách đúng (số liệu tính đến ngày)."
                )
            )
            return
        as_of = self.reference_date.value()
        path = self.path
        mapping = self.mapping_spec() if self.overview.needs_mapping else None
        sheet = self.overview.sheet or None
        self._set_busy(True)
        service = self._service
        run_op(
            self,
            lambda progress: service.preview(
                path, sheet=sheet, mapping=mapping, as_of=as_of, progress=progress
            ),
            success=self._previewed,
            failure=self._file_failed,
            label=self.tr("Đang đọc và kiểm tra từng dòng…"),
            with_progress=True,
            cancellable=True,
        ).finished.connect(self._preview_finished)

    def _preview_finished(self) -> None:
        # Also after “Dừng”, when neither the success nor the failure callback runs.
        self._set_busy(False)

    def _previewed(self, preview: ImportPreview) -> None:
        self._set_busy(False)
        self.preview = preview
        summary = preview.summary
        self.preview_counts.show_counts(
            summary.created, summary.updated, summary.unchanged, summary.rejected
        )
        lines = summary.lines()
        # The counts are shown above; the text keeps the file, hamlets, notices and remarks.
        shown = [lines[0], *lines[6:]]
        errors_at = next((i for i, t in enumerate(shown) if t.startswith("Lỗi (")), len(shown))
        self.preview_summary.setText("\n".join(shown[:errors_at][:14]))
        self.problem_model.set_rows(list(summary.problems))
        self.line_model.set_rows(preview.lines())
        if summary.problems_capped:
            # A very long list: the first rows' errors are listed, the file holds them all.
            self.tabs.setTabText(0, self.tr("Lỗi ({h})").format(h=summary.problems_heading()))
        else:
            self.tabs.setTabText(0, self.tr("Lỗi ({n})").format(n=_count(len(summary.problems))))
        self.tabs.setTabText(
            1, self.tr("Các dòng sẽ nhập ({n})").format(n=_count(len(preview.plan.rows)))
        )
        self.tabs.setCurrentIndex(0 if summary.problems else 1)
        self.save_rejected_button.setVisible(bool(summary.rejected))
        self._show(PREVIEW)

    # -- step 4: the import ----------------------------------------------------------------------

    def start_import(self) -> Op | None:
        """Back up the book, then write the good rows in one transaction (background)."""
        preview = self.preview
        if preview is None or self._busy:
            return None
        self._set_busy(True)
        self._import_succeeded = False
        service = self._service
        op = run_op(
            self,
            lambda progress: service.run(preview, progress),
            success=self._imported,
            failure=self._import_failed,
            label=self.tr("Đang sao lưu rồi nhập vào sổ… Bấm “Dừng” để hủy: sổ giữ nguyên."),
            with_progress=True,
            cancellable=True,
        )
        op.finished.connect(self._import_finished)
        return op

    def _imported(self, result: ImportResult) -> None:
        self._import_succeeded = True
        self.import_result = result
        summary = result.summary
        self.done_counts.show_counts(
            summary.created, summary.updated, summary.unchanged, summary.rejected
        )
        text = summary.lines()
        if result.backup_file is not None:
            text.insert(
                0, self.tr("Đã sao lưu sổ trước khi nhập: {p}").format(p=result.backup_file)
            )
        self.done_text.setText("\n".join(text))
        self.done_rejected_button.setVisible(bool(summary.rejected))
        self.imported.emit(result)

    def _import_failed(self, exc: BaseException) -> None:
        messages.show_exception(self, exc)

    def _import_finished(self) -> None:
        self._set_busy(False)
        if self._import_succeeded:
            self._show(DONE)
            return
        self.error.show_message(
            self.tr("Chưa nhập: việc nhập đã dừng hoặc gặp lỗi. Sổ không thay đổi gì.")
        )

    # -- the rejected rows ---------------------------------------------------------------------

    def choose_rejected_path(self) -> None:
        """Ask where to save the rejected rows (with an error column), then a password."""
        if self.preview is None:
            return
        name = f"{self.preview.path.stem}-dong-bi-tu-choi.xlsx"
        choose_save_path(
            self,
            self.tr("Lưu các dòng bị từ chối"),
            name,
            lambda path: ask_protection(self, lambda p: self.save_rejected(path, p)),
        )

    def save_rejected(self, path: Path, protection: ExportProtection | None = None) -> None:
        """Write the rejected rows to ``path`` in the background."""
        preview = self.preview
        if preview is None:
            return
        service = self._service
        run_op(
            self,
            lambda progress: service.write_rejected(preview, path, protection, progress),
            label=self.tr(
                "Đang ghi các dòng bị từ chối (kèm cột lỗi)… Bấm “Dừng” để hủy: không tệp nào "
                "được ghi."
            ),
            with_progress=True,
            cancellable=True,
            success=lambda n: offer_to_open(
                self, path, self.tr("{n} dòng bị từ chối (kèm cột lỗi)").format(n=n)
            ),
        )
