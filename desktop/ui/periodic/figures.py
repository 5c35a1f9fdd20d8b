"""The "Số liệu các ngành" dialog: the figures other units hold (health station, schools,
culture officer …), typed row by row with live checks and saved in one go, and the units'
collection sheets (Phiếu thu thập số liệu) written out and read back in."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop import paths
from desktop.core.domain.errors import FieldProblem, ValidationError
from desktop.core.domain.permissions import Action
from desktop.core.indicators import definitions as defs
from desktop.core.services.book import Book
from desktop.core.services.indicators import (
    FigureCheck,
    FigureEntry,
    IndicatorService,
    ReportState,
    SheetImport,
    UnitFormRow,
    period_label,
)
from desktop.ui import messages
from desktop.ui.changes import Change, announce
from desktop.ui.ops import run_op
from desktop.ui.periodic.figures_model import (
    CHECK,
    DENOMINATOR,
    ENTERED,
    LABEL,
    NAME,
    NOTE,
    NUMERATOR,
    PREVIOUS,
    PROBLEM_BRUSH,
    UNIT,
    VALUE,
    WARNING_BRUSH,
    FigureTableModel,
)
from desktop.ui.printing.files import XLSX_FILTER, choose_open_path
from desktop.ui.reports.files import ask_report_path, offer_to_open, with_suffix
from desktop.ui.screen import resize_to_fit
from desktop.ui.widgets import ErrorLabel, FoldingComboBox


def units_with_figures() -> list[defs.ResponsibleUnit]:
    """The responsible units that type at least one indicator (units.csv order)."""
    typed = {
        unit for d in defs.indicators() if d.method != "computed" for unit in d.responsible_units
    }
    return [u for u in defs.responsible_units() if u.code in typed]


class FigureResultDialog(QDialog):
    """What a save or an import did: a summary, then every problem and warning in a list
    the officer can read at leisure and copy (to send back to the unit)."""

    def __init__(
        self,
        title: str,
        summary: str,
        problems: Sequence[str],
        warnings: Sequence[str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.summary = QLabel(summary)
        self.summary.setObjectName("errorLabel" if problems else "okLabel")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.list = QListWidget()
        self.list.setWordWrap(True)
        for text, brush, kind in [(p, PROBLEM_BRUSH, self.tr("Lỗi")) for p in problems] + [
            (w, WARNING_BRUSH, self.tr("Cảnh báo")) for w in warnings
        ]:
            item = QListWidgetItem(f"{kind}: {text}")
            item.setForeground(brush)
            self.list.addItem(item)
        self.list.setVisible(self.list.count() > 0)
        self.copy_button = QPushButton(self.tr("Chép danh sách"))
        self.copy_button.setVisible(self.list.count() > 0)
        self.copy_button.clicked.connect(self.copy)
        self.close_button = QPushButton(self.tr("Đóng"))
        self.close_button.setDefault(True)
        self.close_button.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addWidget(self.copy_button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        resize_to_fit(self, 760, 460 if self.list.count() else 160)

    def lines(self) -> list[str]:
        """The summary and every line of the list."""
        return [self.summary.text()] + [self.list.item(i).text() for i in range(self.list.count())]

    def copy(self) -> None:
        """Put the summary and the list on the clipboard."""
        QApplication.clipboard().setText("\n".join(self.lines()))


class FiguresDialog(QDialog):
    """Choose a unit, type its figures for the period (checked as typed), save them; write
    the unit's collection sheet, or read a filled one back."""

    saved = Signal()  # figures were written (saved or imported): the report's numbers moved
    sheet_written = Signal(str)  # the path of the collection sheet written

    def __init__(self, book: Book, code: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._book = book
        self._service = IndicatorService(book)
        self._code = code
        self._state: ReportState | None = None
        self._busy = False
        self._unit = ""  # the unit whose figures the table shows
        self._tickets: dict[str, int] = {}  # the last live check asked for each indicator
        self._ticket = 0
        self.file_dialog: QFileDialog | None = None
        self.result_dialog: FigureResultDialog | None = None
        self.question: QMessageBox | None = None
        self.setWindowTitle(self.tr("Số liệu các ngành — {p}").format(p=period_label(code)))

        intro = QLabel(
            self.tr(
                "Các chỉ tiêu sổ không tính được do các ngành cung cấp. Chọn đơn vị, gõ tử số "
                "(và mẫu số) hoặc giá trị vào các ô tô màu, rồi bấm “Lưu số liệu”. Mẫu số lấy "
                "từ sổ thì không gõ. Số thập phân viết dấu phẩy (98,5)."
            )
        )
        intro.setObjectName("hintLabel")
        intro.setWordWrap(True)
        self.read_only_label = QLabel()
        self.read_only_label.setObjectName("calmLabel")
        self.read_only_label.setWordWrap(True)
        self.read_only_label.setTextFormat(Qt.TextFormat.PlainText)
        self.read_only_label.hide()
        self.unit_box = FoldingComboBox()
        self.unit_box.setMinimumWidth(280)
        self.unit_box.set_items([(u.name_vi, u.code) for u in units_with_figures()])
        self.unit_hint = QLabel()
        self.unit_hint.setObjectName("hintLabel")
        self.export_button = QPushButton(self.tr("Xuất phiếu thu thập…"))
        self.export_button.setToolTip(
            self.tr("Lưu phiếu Excel ghi sẵn các chỉ tiêu của đơn vị, để gửi đơn vị điền.")
        )
        self.import_button = QPushButton(self.tr("Nhập phiếu đã điền…"))

        self.model = FigureTableModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
            | QAbstractItemView.EditTrigger.SelectedClicked
        )
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(26)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Stretch)
        for column, width in (
            (LABEL, 110),
            (UNIT, 80),
            (PREVIOUS, 70),
            (NUMERATOR, 70),
            (DENOMINATOR, 70),
            (VALUE, 75),
            (NOTE, 120),
            (ENTERED, 170),
            (CHECK, 230),
        ):
            header.resizeSection(column, width)
        # The checks of the row the cursor is on, whole (the column shows them shortened).
        self.row_problems = ErrorLabel()
        self.row_warnings = QLabel()
        self.row_warnings.setObjectName("hintLabel")
        self.row_warnings.setProperty("strength", "weak")  # the style sheet's amber
        self.row_warnings.setWordWrap(True)
        self.row_warnings.setTextFormat(Qt.TextFormat.PlainText)
        self.row_warnings.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.row_warnings.hide()
        self.summary_label = QLabel()
        self.summary_label.setObjectName("hintLabel")
        self.summary_label.setWordWrap(True)
        self.error = ErrorLabel()
        self.save_button = QPushButton(self.tr("Lưu số liệu"))
        self.save_button.setObjectName("primary")
        self.close_button = QPushButton(self.tr("Đóng"))
        # Enter in the table must not press a button (it ends typing in a cell).
        for button in (self.export_button, self.import_button, self.save_button, self.close_button):
            button.setAutoDefault(False)

        unit_row = QHBoxLayout()
        unit_row.addWidget(QLabel(self.tr("Đơn vị:")))
        unit_row.addWidget(self.unit_box)
        unit_row.addWidget(self.unit_hint, 1)
        unit_row.addWidget(self.export_button)
        unit_row.addWidget(self.import_button)
        buttons = QHBoxLayout()
        buttons.addWidget(self.summary_label, 1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.read_only_label)
        layout.addLayout(unit_row)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.row_problems)
        layout.addWidget(self.row_warnings)
        layout.addWidget(self.error)
        layout.addLayout(buttons)

        self.unit_box.currentIndexChanged.connect(self._unit_chosen)
        self.model.edited.connect(self._edited)
        self.model.dataChanged.connect(self._update_summary)
        self.model.modelReset.connect(self._update_summary)
        self.model.dataChanged.connect(self._show_row_checks)
        self.model.modelReset.connect(self._show_row_checks)
        self.table.selectionModel().currentChanged.connect(self._show_row_checks)
        self.save_button.clicked.connect(self.save)
        self.close_button.clicked.connect(self.reject)
        self.export_button.clicked.connect(self.choose_sheet_path)
        self.import_button.clicked.connect(self.choose_sheet_to_import)
        resize_to_fit(self, 1340, 640)
        self._update_buttons()
        self._load(str(self.unit_box.currentData() or ""))

    # -- state and permissions --------------------------------------------------------------

    @property
    def unit(self) -> str:
        """The code of the unit shown ("HEALTH" …)."""
        return self._unit

    def read_only_reason(self) -> str:
        """Why nothing can be typed here ("" when it can): the period is finalised (or
        approved upstream), or the account only reads."""
        state = self._state
        if state is not None and state.locked_vi:
            return state.locked_vi
        if state is not None and state.state == "finalised":
            return self.tr(
                "Báo cáo {p} đã chốt số liệu: các số liệu chỉ xem được, không sửa hay nhập "
                "phiếu được nữa. Chỉ quản trị viên mở lại được báo cáo (ghi rõ lý do)."
            ).format(p=period_label(self._code))
        if not self._book.user.may(Action.EDIT_BOOK):
            return self.tr(
                "Tài khoản chỉ xem: bạn xem được các số liệu và xuất phiếu thu thập, nhưng "
                "không nhập, sửa hay nhập phiếu đã điền được."
            )
        return ""

    def _update_buttons(self) -> None:
        reason = self.read_only_reason()
        known = self._state is not None and not self._busy
        self.model.editable = known and not reason
        self.unit_box.setEnabled(not self._busy)
        self.export_button.setEnabled(not self._busy and bool(self._unit))
        for button in (self.save_button, self.import_button):
            button.setEnabled(known and not reason)
            button.setToolTip(reason)
        if not reason and not self.model.dirty_lines():
            self.save_button.setEnabled(False)
            self.save_button.setToolTip(self.tr("Chưa có số nào được gõ hoặc sửa."))
        self.read_only_label.setText(reason)
        self.read_only_label.setVisible(bool(reason))

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self._update_buttons()

    def _update_summary(self, *_args: object) -> None:
        lines = self.model.lines()
        typed = sum(1 for line in lines if line.form.figure is not None)
        self.unit_hint.setText(
            self.tr("{n} chỉ tiêu; đã có số liệu {t}.").format(n=len(lines), t=typed)
        )
        parts = []
        unsaved = len(self.model.dirty_lines())
        wrong = sum(1 for line in lines if line.problems)
        warned = sum(1 for line in lines if line.warnings and not line.problems)
        if unsaved:
            parts.append(self.tr("{n} dòng chưa lưu").format(n=unsaved))
        if wrong:
            parts.append(self.tr("{n} dòng có lỗi (chữ đỏ) phải sửa trước khi lưu").format(n=wrong))
        if warned:
            parts.append(
                self.tr("{n} dòng có cảnh báo (chữ vàng), nên hỏi lại đơn vị").format(n=warned)
            )
        self.summary_label.setText("; ".join(parts) + ("." if parts else ""))
        self._update_buttons()

    def _show_row_checks(self, *_args: object) -> None:
        current = self.table.currentIndex()
        line = self.model.row_at(current.row()) if current.isValid() else None
        self.row_problems.show_message("\n".join(line.problems) if line else "")
        warnings = "\n".join(line.warnings) if line else ""
        self.row_warnings.setText(warnings)
        self.row_warnings.setVisible(bool(warnings))

    # -- loading ----------------------------------------------------------------------------

    def _load(
        self,
        unit: str,
        keep: Sequence[str] = (),
        then: Callable[[], object] | None = None,
    ) -> None:
        """The period's state and ``unit``'s form (background); typing on the rows of
        ``keep`` that is not saved stays in the table."""
        self._set_busy(True)
        code, service = self._code, self._service

        def work() -> tuple[ReportState, list[UnitFormRow]]:
            return service.state(code), service.unit_form(code, unit) if unit else []

        run_op(
            self,
            work,
            success=lambda result: self._loaded(unit, keep, then, *result),
            failure=self._failed,
            label=self.tr("Đang tải số liệu…"),
        )

    def _loaded(
        self,
        unit: str,
        keep: Sequence[str],
        then: Callable[[], object] | None,
        state: ReportState,
        rows: list[UnitFormRow],
    ) -> None:
        self._state = state
        self._unit = unit
        self._tickets.clear()  # a check asked before the reload answers for old rows
        self.model.set_form(rows, keep)
        self._set_busy(False)
        self._update_summary()
        if then is not None:
            then()

    def _failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        messages.show_exception(self, exc)

    def _unit_chosen(self, index: int) -> None:
        unit = str(self.unit_box.itemData(index) or "")
        if unit == self._unit:
            return
        if not self.model.dirty_lines():
            self._load(unit)
            return
        # Back to the unit shown until the officer says what to do with the typing.
        self._show_unit(self._unit)
        self.question = messages.ask(
            self,
            self.tr(
                "Các số vừa gõ cho {u} chưa được lưu. Chuyển sang {v} và bỏ các số này?"
            ).format(u=self._unit_name(self._unit), v=self._unit_name(unit)),
            on_yes=lambda: self._switch(unit),
            title=self.tr("Số liệu chưa lưu"),
            yes_text=self.tr("Bỏ các số và chuyển"),
            no_text=self.tr("Ở lại để lưu"),
        )

    def _switch(self, unit: str) -> None:
        self._show_unit(unit)
        self._load(unit)

    def _show_unit(self, unit: str) -> None:
        self.unit_box.blockSignals(True)
        self.unit_box.setCurrentIndex(self.unit_box.findData(unit))
        self.unit_box.blockSignals(False)

    def _unit_name(self, unit: str) -> str:
        index = self.unit_box.findData(unit)
        return self.unit_box.itemText(index) if index >= 0 else unit

    def select_unit(self, unit: str) -> None:
        """Show ``unit``'s figures (asking first when typing would be lost)."""
        self.unit_box.setCurrentIndex(self.unit_box.findData(unit))

    # -- live checks ------------------------------------------------------------------------

    def _edited(self, code: str) -> None:
        self.error.show_message("")
        line = self.model.line(code)
        if line is None:
            return
        self._ticket += 1
        self._tickets[code] = self._ticket
        if not line.dirty:
            self.model.set_checks(code, (), ())
            return
        entry, unreadable = line.entry()
        if entry is None:
            self.model.set_checks(code, unreadable, ())
            return
        ticket, period, service = self._ticket, self._code, self._service
        denominator = line.form.computed_denominator
        run_op(
            self,
            lambda: service.check_figure(period, entry, denominator),
            success=lambda found: self._checked(code, ticket, *found),
            failure=lambda _exc: None,  # the save checks again and says what is wrong
        )

    def _checked(
        self,
        code: str,
        ticket: int,
        problems: Sequence[FieldProblem],
        warnings: Sequence[FigureCheck],
    ) -> None:
        if self._tickets.get(code) != ticket:
            return  # typed again (or reloaded) meanwhile
        self.model.set_checks(code, [p.message for p in problems], [w.message for w in warnings])

    # -- saving -----------------------------------------------------------------------------

    def save(self) -> None:
        """Save every row typed or changed, in one go (background); nothing is saved when a
        row is wrong, and every wrong row says why."""
        if self._busy or not self.model.editable:
            return
        lines = self.model.dirty_lines()
        if not lines:
            return
        entries: list[FigureEntry] = []
        unreadable = 0
        for line in lines:
            entry, problems = line.entry()
            if entry is None:
                unreadable += 1
                self.model.set_checks(line.code, problems, ())
            else:
                entries.append(entry)
        if unreadable:
            self.error.show_message(
                self.tr(
                    "Chưa lưu số nào: {n} dòng có ô không phải là số (chữ đỏ ở cột “Kiểm tra”). "
                    "Sửa các ô đó rồi bấm “Lưu số liệu” lại."
                ).format(n=unreadable)
            )
            return
        self._set_busy(True)
        code, unit, service = self._code, self._unit, self._service
        run_op(
            self,
            lambda: service.save_figures(code, unit, entries),
            success=lambda warnings: self._saved(unit, entries, warnings),
            failure=lambda exc: self._save_refused(entries, exc),
            label=self.tr("Đang lưu số liệu…"),
            changes=(Change.SYNC,),
        )

    def _saved(self, unit: str, entries: list[FigureEntry], warnings: list[FigureCheck]) -> None:
        self.error.show_message("")
        self.saved.emit()
        saved = {e.code for e in entries}
        # Rows typed meanwhile on other lines stay; the saved ones show what the book holds.
        others = [line.code for line in self.model.dirty_lines() if line.code not in saved]
        by_code: dict[str, list[str]] = {}
        for w in warnings:
            code = entries[w.row - 1].code if w.row else w.code
            by_code.setdefault(code, []).append(w.message)

        def show() -> None:
            for code, texts in by_code.items():
                self.model.set_checks(code, (), texts)
            summary = self.tr("Đã lưu {n} số liệu của {u} cho kỳ {p}.").format(
                n=len(entries), u=self._unit_name(unit), p=period_label(self._code)
            )
            if warnings:
                summary += " " + self.tr(
                    "Có {n} cảnh báo: số vẫn được lưu, hãy hỏi lại đơn vị cho chắc."
                ).format(n=len(warnings))
            self._show_result(self.tr("Đã lưu số liệu"), summary, (), [w.message for w in warnings])

        self._load(unit, others, show)

    def _save_refused(self, entries: list[FigureEntry], exc: BaseException) -> None:
        self._set_busy(False)
        if not isinstance(exc, ValidationError):
            messages.show_exception(self, exc)
            return
        by_code: dict[str, list[str]] = {}
        general = []
        for p in exc.problems:
            if p.row and 0 < p.row <= len(entries):
                by_code.setdefault(entries[p.row - 1].code, []).append(p.message)
            else:
                general.append(p.message)
        for code, texts in by_code.items():
            self.model.set_checks(code, texts, ())
        if by_code:
            general.append(
                self.tr(
                    "Chưa lưu số nào: {n} dòng có lỗi (chữ đỏ ở cột “Kiểm tra”). Các số đã gõ "
                    "vẫn còn trong bảng; sửa các dòng đó rồi bấm “Lưu số liệu” lại."
                ).format(n=len(by_code))
            )
        elif general:
            # The period may have been finalised meanwhile: show it read-only, typing kept.
            self._load(self._unit, [line.code for line in self.model.dirty_lines()])
        self.error.show_message("\n".join(general))

    def _show_result(
        self, title: str, summary: str, problems: Sequence[str], warnings: Sequence[str]
    ) -> FigureResultDialog:
        dialog = FigureResultDialog(title, summary, problems, warnings, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.result_dialog = dialog
        dialog.open()
        return dialog

    # -- collection sheets ------------------------------------------------------------------

    def sheet_path(self) -> Path:
        """Where the sheet of the unit shown is proposed (as the command line names it)."""
        return paths.exports_dir() / f"phieu-thu-thap-{self._unit.lower()}-{self._code}.xlsx"

    def choose_sheet_path(self) -> QFileDialog | None:
        """Ask where to save the unit's collection sheet, then write it."""
        if self._busy or not self._unit:
            return None
        self.file_dialog = ask_report_path(
            self,
            "xlsx",
            self.sheet_path(),
            self.export_sheet,
            title=self.tr("Lưu phiếu thu thập số liệu"),
        )
        return self.file_dialog

    def export_sheet(self, path: Path) -> None:
        """Write the pre-filled collection sheet of the unit shown to ``path`` (background)."""
        if self._busy or not self._unit:
            return
        path = with_suffix(path, "xlsx")
        self._set_busy(True)
        code, unit, service = self._code, self._unit, self._service
        run_op(
            self,
            lambda: service.write_collection_sheet(code, unit, path),
            success=lambda lines: self._sheet_written(path, lines),
            failure=self._failed,
            label=self.tr("Đang lập phiếu thu thập…"),
        )

    def _sheet_written(self, path: Path, lines: int) -> None:
        self._set_busy(False)
        self.sheet_written.emit(str(path))
        offer_to_open(
            self,
            path,
            self.tr("phiếu thu thập số liệu của {u} ({n} chỉ tiêu)").format(
                u=self._unit_name(self._unit), n=lines
            ),
        )

    def choose_sheet_to_import(self) -> QFileDialog | None:
        """Ask which filled sheet to read, then import it."""
        if self._busy or not self.model.editable:
            return None
        self.file_dialog = choose_open_path(
            self,
            self.tr("Chọn phiếu thu thập số liệu đã điền"),
            self.import_sheet,
            name_filter=XLSX_FILTER,
        )
        return self.file_dialog

    def import_sheet(self, path: Path) -> None:
        """Read a filled sheet and save its figures (background); the rows typed here and
        not saved yet stay in the table."""
        if self._busy or not self.model.editable:
            return
        self._set_busy(True)
        code, service = self._code, self._service
        run_op(
            self,
            lambda: service.import_collection_sheet(code, path),
            success=lambda result: self._imported(path, result),
            failure=self._failed,
            label=self.tr("Đang nhập phiếu…"),
        )

    def _imported(self, path: Path, result: SheetImport) -> None:
        problems = [p.message for p in result.problems]
        warnings = [w.message for w in result.warnings]
        if problems:
            summary = self.tr(
                "Chưa ghi số liệu nào từ phiếu {f}: phiếu có {n} lỗi. Sửa phiếu theo danh sách "
                "dưới đây rồi nhập lại; tệp phiếu không bị thay đổi."
            ).format(f=path.name, n=len(problems))
        elif not result.saved:
            summary = self.tr(
                "Phiếu {f} chưa có dòng nào được điền số (cột Tử số, Mẫu số, Giá trị); chưa ghi gì."
            ).format(f=path.name)
        else:
            summary = self.tr("Đã ghi {n} số liệu từ phiếu {f}.").format(
                n=result.saved, f=path.name
            )
            if warnings:
                summary += " " + self.tr(
                    "Có {n} cảnh báo: số vẫn được ghi, hãy hỏi lại đơn vị cho chắc."
                ).format(n=len(warnings))
        title = self.tr("Kết quả nhập phiếu")

        def show() -> None:
            self._show_result(title, summary, problems, warnings)

        if not result.saved:
            self._set_busy(False)
            show()
            return
        announce(Change.SYNC)
        self.saved.emit()
        self._load(self._unit, [line.code for line in self.model.dirty_lines()], show)

    # -- closing ----------------------------------------------------------------------------

    def reject(self) -> None:
        """Ask before throwing away figures typed and not saved."""
        if self._busy:
            return
        if self.model.editable and self.model.dirty_lines():
            self.question = messages.ask(
                self,
                self.tr("Các số vừa gõ chưa được lưu. Đóng và bỏ các số này?"),
                on_yes=lambda: QDialog.reject(self),
                title=self.tr("Số liệu chưa lưu"),
                yes_text=self.tr("Bỏ các số và đóng"),
                no_text=self.tr("Ở lại để lưu"),
            )
            return
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        """The window's X behaves like “Đóng”."""
        event.ignore()
        self.reject()
