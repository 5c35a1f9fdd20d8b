"""The "Xã phù hợp với trẻ em" area: the year's self-assessment under QĐ 06/QĐ-TTg.

The 13 criteria, the book's figure beside those it measures, the points and evidence the
officer types, and as they are typed: the total, the threshold of the commune's type, the
criteria at zero and the verdict. The rules are the service's (``desktop/core/services/cfc.py``:
``evaluate`` for what is typed, ``CfcService.save`` for what is kept); this screen shows what
they give and never scores anything itself.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.core.domain.errors import ValidationError
from desktop.core.domain.permissions import Action
from desktop.core.services.book import Book
from desktop.core.services.cfc import (
    BOOK_SOURCES,
    CfcCriterion,
    CfcLine,
    CfcResult,
    CfcScoreEntry,
    CfcService,
    check_entries,
    criteria,
    evaluate,
    format_points,
    parse_points,
    thresholds,
)
from desktop.ui import messages
from desktop.ui.changes import Change, on_change
from desktop.ui.ops import run_op
from desktop.ui.periodic.model import count_text, value_text
from desktop.ui.protection.common import denied_reason
from desktop.ui.rows_model import Index
from desktop.ui.widgets import ErrorLabel
from sync import clock

FIRST_YEAR = 2019  # QĐ 06/QĐ-TTg of 03/01/2019
NO, NAME, MAX, BOOK, POINTS, EVIDENCE, PROBLEM = range(7)
CONTEXT = "CfcView"
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
_PROBLEM_BACKGROUND = QColor("#fff3f3")
_PROBLEM_TEXT = QColor("#b71c1c")
_ROOT = QModelIndex()  # the invisible root: a table has no children


def _tr(text: str) -> str:
    return QCoreApplication.translate(CONTEXT, text)


def figure_text(line: CfcLine) -> str:
    """The book's figure and what it counts ("82,5 % (33/40) — Khai sinh đúng hạn …");
    "" when the book cannot measure the criterion."""
    book = line.book
    if book is None:
        return ""
    if book.status == "missing":
        return _tr("Chưa có số liệu — {s}").format(s=book.source)
    text = value_text(book.rate, book.unit, book.unit_label)
    if book.numerator is not None and book.denominator is not None:
        text += f" ({count_text(book.numerator)}/{count_text(book.denominator)})"
    return f"{text} — {book.source}"


def criterion_text(criterion: CfcCriterion) -> str:
    """The criterion in words: number, name, known maximum and scoring note."""
    text = _tr("Tiêu chí {n}: {name}.").format(n=criterion.no, name=criterion.name_vi)
    if criterion.max_points is not None:
        text += " " + _tr("Tối đa {m} điểm.").format(m=format_points(criterion.max_points))
    if criterion.note:
        text += " " + criterion.note
    return text


class CfcTableModel(QAbstractTableModel):
    """The 13 criteria: the book's figure, and the points and evidence as typed (text, so a
    refused entry keeps exactly what was typed); the problems of the last save on the row."""

    columns = ("TT", "Tiêu chí", "Tối đa", "Số liệu từ sổ", "Điểm", "Căn cứ chấm điểm", "Cần sửa")
    edited = Signal()  # points or evidence typed

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._criteria = criteria()
        self._lines: dict[int, CfcLine] = {}
        count = len(self._criteria)
        self._points = [""] * count
        self._evidence = [""] * count
        self._problems = [""] * count
        self.editable = False
        self.loading = True

    # -- contents -------------------------------------------------------------------------

    def criterion_at(self, row: int) -> CfcCriterion:
        """The criterion shown on ``row``."""
        return self._criteria[row]

    def row_of(self, no: int) -> int:
        """The row of criterion ``no`` (-1 if none)."""
        return next((r for r, c in enumerate(self._criteria) if c.no == no), -1)

    def line_at(self, row: int) -> CfcLine | None:
        """The saved line of ``row`` (None while loading)."""
        return self._lines.get(self._criteria[row].no)

    def set_loading(self, *, clear: bool) -> None:
        """The book's figures are being computed; ``clear`` (another year) also forgets the
        saved lines and empties what was typed."""
        self.beginResetModel()
        self.loading = True
        if clear:
            self._lines = {}
            self._points = [""] * len(self._criteria)
            self._evidence = [""] * len(self._criteria)
            self._problems = [""] * len(self._criteria)
        self.endResetModel()

    def set_result(self, result: CfcResult, *, keep_typed: bool) -> None:
        """Show ``result``; its points and evidence replace what is typed unless ``keep_typed``."""
        self.beginResetModel()
        self.loading = False
        self._lines = {line.criterion.no: line for line in result.lines}
        if not keep_typed:
            for row, c in enumerate(self._criteria):
                line = self._lines.get(c.no)
                self._points[row] = format_points(line.points) if line else ""
                self._evidence[row] = line.evidence if line else ""
                self._problems[row] = ""
        self.endResetModel()

    def typed(self) -> tuple[list[CfcScoreEntry], dict[int, str]]:
        """Every criterion as typed, and (by criterion) why its points cannot be read; those
        count as not scored."""
        entries, unreadable = [], {}
        for row, c in enumerate(self._criteria):
            try:
                points = parse_points(self._points[row], c.no)
            except ValidationError as exc:
                points, unreadable[c.no] = None, exc.message_vi
            entries.append(CfcScoreEntry(c.no, points, self._evidence[row]))
        return entries, unreadable

    def changed(self, entries: list[CfcScoreEntry]) -> list[CfcScoreEntry]:
        """Those of ``entries`` (from :meth:`typed`) that differ from the saved lines."""
        out = []
        for e in entries:
            line = self._lines.get(e.no)
            saved = (line.points, line.evidence) if line is not None else (None, "")
            if (e.points, e.evidence.strip()) != saved:
                out.append(e)
        return out

    def _points_problem(self, row: int) -> str:
        """Why the points typed on ``row`` are wrong (not a number, negative, above the
        maximum), by the service's checks; "" when they are fine or empty."""
        c = self._criteria[row]
        try:
            points = parse_points(self._points[row], c.no)
        except ValidationError as exc:
            return exc.message_vi
        entry = CfcScoreEntry(c.no, points, self._evidence[row])
        return " ".join(p.message for p in check_entries([entry]) if p.field == "points")

    def set_problems(self, by_no: dict[int, str]) -> None:
        """Show ``by_no`` (criterion → message) in the "Cần sửa" column; others are cleared."""
        self._problems = [by_no.get(c.no, "") for c in self._criteria]
        self._row_changed(0, len(self._criteria) - 1)

    def problem(self, row: int) -> str:
        """What needs fixing on ``row`` ("" if nothing)."""
        return self._problems[row]

    def has_problems(self) -> bool:
        """True if a row needs fixing."""
        return any(self._problems)

    def _row_changed(self, first: int, last: int) -> None:
        self.dataChanged.emit(self.index(first, 0), self.index(last, len(self.columns) - 1))

    # -- Qt -------------------------------------------------------------------------------

    def rowCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._criteria)

    def columnCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole or orientation != Qt.Orientation.Horizontal:
            return None
        return _tr(self.columns[section]) if 0 <= section < len(self.columns) else None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if self.editable and not self.loading and index.column() in (POINTS, EVIDENCE):
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def _text(self, row: int, column: int) -> str:
        c = self._criteria[row]
        if column == NO:
            return str(c.no)
        if column == NAME:
            return c.name_vi
        if column == MAX:
            return format_points(c.max_points) if c.max_points is not None else "—"
        if column == BOOK:
            if self.loading:
                return _tr("Đang tính…") if c.no in BOOK_SOURCES else ""
            line = self._lines.get(c.no)
            return figure_text(line) if line is not None else ""
        if column == POINTS:
            return self._points[row]
        if column == EVIDENCE:
            return self._evidence[row]
        return self._problems[row]

    def _tooltip(self, row: int, column: int) -> str:
        c = self._criteria[row]
        if self._problems[row] and column in (POINTS, EVIDENCE, PROBLEM):
            return self._problems[row]
        if column == MAX and c.max_points is None:
            return _tr("Tài liệu của dự án chưa có điểm tối đa của tiêu chí này.")
        if column == BOOK and not self.loading:
            line = self._lines.get(c.no)
            if line is None or line.book is None:
                return _tr("Sổ không tính được tiêu chí này: chấm theo hồ sơ, biên bản.")
            return figure_text(line)
        if column == EVIDENCE and self._evidence[row]:
            return self._evidence[row]
        if column == POINTS and self.editable:
            return _tr("Gõ số điểm (ví dụ 70 hoặc 72,5); bỏ trống nếu chưa chấm.")
        return criterion_text(c)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._criteria):
            return None
        row, column = index.row(), index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return self._text(row, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, column)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if column in (NO, MAX, POINTS) else _LEFT
        if self._problems[row] and column in (POINTS, EVIDENCE, PROBLEM):
            if role == Qt.ItemDataRole.BackgroundRole:
                return _PROBLEM_BACKGROUND
            if role == Qt.ItemDataRole.ForegroundRole and column == PROBLEM:
                return _PROBLEM_TEXT
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        if not self.flags(index) & Qt.ItemFlag.ItemIsEditable:
            return False
        row, text = index.row(), "" if value is None else str(value)
        if index.column() == POINTS:
            self._points[row] = text
        else:
            self._evidence[row] = text
        # Typing again clears the complaint of the last save; what is wrong with the points
        # themselves is said at once.
        self._problems[row] = self._points_problem(row)
        self._row_changed(row, row)
        self.edited.emit()
        return True


class CfcView(QWidget):
    """Choose the year and the commune type, type points and evidence, see the verdict, save."""

    loaded = Signal()  # the year's assessment and the book's figures arrived
    saved = Signal()

    def __init__(self, book: Book, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._book = book
        self._service = CfcService(book)
        self._base: CfcResult | None = None  # as saved, with the book's figures
        self._saving = False
        self._loads = 0  # the latest load; an older one that arrives late is dropped
        self._stale = True
        self.can_edit = book.user.may(Action.EDIT_BOOK)
        self.read_only_reason = denied_reason(book.user, Action.EDIT_BOOK)
        today = clock.today()
        self._year = today.year

        title = QLabel(self.tr("Tự đánh giá xã, phường phù hợp với trẻ em"))
        title.setObjectName("pageTitle")
        rules = QLabel(
            self.tr(
                "Theo Quyết định 06/QĐ-TTg: được công nhận khi chấm đủ 13 tiêu chí, không tiêu "
                "chí nào 0 điểm và tổng điểm đạt mức của loại xã. Chương trình không tự cho "
                "điểm: cán bộ chấm và ghi căn cứ; số liệu từ sổ để tham khảo."
            )
        )
        rules.setObjectName("hintLabel")
        rules.setWordWrap(True)
        self.year = QSpinBox()
        self.year.setRange(FIRST_YEAR, today.year)
        self.year.setValue(today.year)
        self.year.setKeyboardTracking(False)
        self.year.setFixedWidth(80)
        self.commune_type = QComboBox()
        for code, (name, minimum) in thresholds().items():
            self.commune_type.addItem(
                self.tr("{name} — mức {m} điểm").format(name=name, m=minimum), code
            )
        # Not as wide as its longest choice (the area must fit 1366×768 at 125 %); the list
        # that drops down shows every choice whole.
        self.commune_type.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.commune_type.setMinimumContentsLength(36)
        self.commune_type.view().setMinimumWidth(self.commune_type.view().sizeHintForColumn(0) + 24)
        self.banner = QLabel(
            self.tr("Chỉ xem: {r} Chấm điểm và lưu cần tài khoản được sửa sổ.").format(
                r=self.read_only_reason
            )
        )
        self.banner.setObjectName("calmLabel")
        self.banner.setWordWrap(True)
        self.banner.setVisible(not self.can_edit)

        self.model = CfcTableModel(self)
        self.model.editable = self.can_edit
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
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(24)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Stretch)
        for column, width in (
            (NO, 36),
            (MAX, 56),
            (BOOK, 300),
            (POINTS, 56),
            (EVIDENCE, 230),
            (PROBLEM, 230),
        ):
            header.resizeSection(column, width)
        self.table.setColumnHidden(PROBLEM, True)
        self.detail = QLabel(self.tr("Chọn một tiêu chí để xem đầy đủ."))
        self.detail.setObjectName("hintLabel")
        self.detail.setWordWrap(True)
        self.detail.setTextFormat(Qt.TextFormat.PlainText)

        self.total_label = QLabel()
        self.total_label.setObjectName("sectionTitle")
        self.zero_label = QLabel()
        self.verdict_label = QLabel()
        self.verdict_label.setWordWrap(True)
        self.verdict_label.setTextFormat(Qt.TextFormat.PlainText)
        self.state_label = QLabel()
        self.state_label.setObjectName("hintLabel")
        self.error = ErrorLabel()
        self.save_button = QPushButton(self.tr("Lưu (Ctrl+S)"))
        self.save_button.setObjectName("primary")

        choose = QHBoxLayout()
        choose.addWidget(QLabel(self.tr("Năm đánh giá:")))
        choose.addWidget(self.year)
        choose.addSpacing(16)
        choose.addWidget(QLabel(self.tr("Loại xã:")))
        choose.addWidget(self.commune_type, 1)
        totals = QHBoxLayout()
        totals.addWidget(self.total_label)
        totals.addSpacing(24)
        totals.addWidget(self.zero_label)
        totals.addStretch(1)
        totals.addWidget(self.state_label)
        totals.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 8)
        layout.addWidget(title)
        layout.addWidget(rules)
        layout.addLayout(choose)
        layout.addWidget(self.banner)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.detail)
        layout.addLayout(totals)
        layout.addWidget(self.verdict_label)
        layout.addWidget(self.error)

        self.year.valueChanged.connect(self._year_chosen)
        self.commune_type.currentIndexChanged.connect(self._typed)
        self.model.edited.connect(self._typed)
        self.model.dataChanged.connect(self._show_problem_column)
        self.model.modelReset.connect(self._show_problem_column)
        self.table.selectionModel().currentChanged.connect(self._current_changed)
        self.save_button.clicked.connect(self.save)
        QShortcut(QKeySequence.StandardKey.Save, self, self.save)
        # A child added or an event recorded changes the book's figures: recomputed when seen.
        on_change(self, (Change.BOOK,), self._book_changed)
        if not self.can_edit:
            for widget in (self.commune_type, self.save_button):
                widget.setEnabled(False)
                widget.setToolTip(self.read_only_reason)
        self._refresh()

    # -- loading --------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        """Compute the figures when the area is first shown, and after the book changed."""
        super().showEvent(event)
        if self._stale:
            self.load()

    def _book_changed(self) -> None:
        self._stale = True
        if self.isVisible():
            self.load()

    def load(self) -> None:
        """The chosen year's assessment and the book's figures, in the background; what is
        typed and not saved stays."""
        self._finish_editing()  # the table is reset: what is in an open cell is kept first
        self._stale = False
        self._loads += 1
        token, year, service = self._loads, self._year, self._service
        self.model.set_loading(clear=False)
        self._refresh()
        run_op(
            self,
            lambda: service.assessment(year),
            success=lambda result: self._loaded(token, result),
            failure=lambda exc: self._load_failed(token, exc),
        )

    def _loaded(self, token: int, result: CfcResult) -> None:
        if token != self._loads:
            return
        keep = self.dirty
        self._base = result
        self.model.set_result(result, keep_typed=keep)
        if not keep:
            self.commune_type.blockSignals(True)
            self.commune_type.setCurrentIndex(self.commune_type.findData(result.commune_type))
            self.commune_type.blockSignals(False)
        self._refresh()
        self._current_changed(self.table.currentIndex())
        self.loaded.emit()

    def _load_failed(self, token: int, exc: BaseException) -> None:
        if token == self._loads:
            self._stale = True
            messages.show_exception(self, exc)

    def _year_chosen(self, year: int) -> None:
        if year == self._year:
            return
        if not self.dirty:
            self._switch_year(year)
            return
        messages.ask(
            self,
            self.tr(
                "Điểm đã nhập cho năm {old} chưa được lưu. Chuyển sang năm {new} và bỏ các "
                "điểm chưa lưu?"
            ).format(old=self._year, new=year),
            on_yes=lambda: self._switch_year(year),
            on_no=self._keep_year,
            title=self.tr("Điểm chưa lưu"),
            yes_text=self.tr("Bỏ và chuyển năm"),
            no_text=self.tr("Ở lại năm {y}").format(y=self._year),
        )

    def _keep_year(self) -> None:
        self.year.blockSignals(True)
        self.year.setValue(self._year)
        self.year.blockSignals(False)

    def _switch_year(self, year: int) -> None:
        self._year = year
        self._base = None
        self.model.set_loading(clear=True)
        self.error.show_message("")
        self.load()

    # -- what is typed --------------------------------------------------------------------

    @property
    def chosen_type(self) -> str:
        """The commune type chosen (a code of ``thresholds()``)."""
        return str(self.commune_type.currentData())

    @property
    def dirty(self) -> bool:
        """True if something typed (points, evidence, commune type) is not saved."""
        if self._base is None:
            return False
        entries, unreadable = self.model.typed()
        return (
            bool(unreadable)
            or bool(self.model.changed(entries))
            or self.chosen_type != self._base.commune_type
        )

    def current(self) -> CfcResult | None:
        """The assessment as typed, by the service's rules (None while loading)."""
        if self._base is None:
            return None
        entries, _unreadable = self.model.typed()
        return evaluate(self._base, self.chosen_type, entries)

    def _typed(self) -> None:
        self.error.show_message("")
        self._refresh()

    def _refresh(self) -> None:
        """Totals, threshold, criteria at zero, verdict and the save button, as typed."""
        result = self.current()
        busy = self._saving or result is None
        dirty = self.dirty
        if result is None:
            self.total_label.setText(self.tr("Tổng điểm: đang tính…"))
            self.zero_label.setText("")
            self.verdict_label.setText("")
            self.state_label.setText("")
        else:
            self.total_label.setText(
                self.tr("Tổng điểm: {t} — mức cần đạt: {m} điểm").format(
                    t=format_points(result.total), m=result.threshold
                )
            )
            zero = ", ".join(str(no) for no in result.zero)
            self.zero_label.setText(
                self.tr("Tiêu chí 0 điểm: {z}").format(z=zero)
                if zero
                else self.tr("Không tiêu chí nào 0 điểm")
            )
            self.zero_label.setObjectName("errorLabel" if zero else "")
            if self.model.has_problems():
                verdict = self.tr("Kết luận: chưa xác định — hãy sửa các tiêu chí ở cột “Cần sửa”.")
            else:
                verdict = self.tr("Kết luận: {v}").format(v=result.verdict_vi)
            self.verdict_label.setText(verdict)
            self.verdict_label.setObjectName(
                "okLabel" if result.recognised and not self.model.has_problems() else "errorLabel"
            )
            for label in (self.zero_label, self.verdict_label):
                label.style().unpolish(label)
                label.style().polish(label)
            self.state_label.setText(
                self.tr("Có thay đổi chưa lưu (kết luận theo điểm đang nhập).") if dirty else ""
            )
        if self.can_edit:
            self.save_button.setEnabled(not busy and dirty)
            self.commune_type.setEnabled(not busy)
            self.save_button.setToolTip("" if dirty else self.tr("Chưa có thay đổi để lưu."))
        self.year.setEnabled(not self._saving)

    def _show_problem_column(self, *_args: object) -> None:
        self.table.setColumnHidden(PROBLEM, not self.model.has_problems())

    def _current_changed(self, index: Index) -> None:
        if not index.isValid():
            return
        row = index.row()
        text = criterion_text(self.model.criterion_at(row))
        line = self.model.line_at(row)
        if line is not None and line.book is not None:
            text += " " + self.tr("Số liệu từ sổ: {f}.").format(f=figure_text(line))
        self.detail.setText(text)

    # -- saving ---------------------------------------------------------------------------

    def save(self) -> None:
        """Save what changed (background); the service's refusals go on their rows."""
        if not self.can_edit or self._saving or self._base is None:
            return
        self._finish_editing()
        if not self.dirty:
            return
        entries, unreadable = self.model.typed()
        if unreadable:  # already said on their rows: the service is given numbers, never words
            self.error.show_message(self._problems_text(len(unreadable)))
            return
        changed = self.model.changed(entries)
        self._saving = True
        self.model.editable = False  # the saved result replaces the rows: nothing typed meanwhile
        self._refresh()
        year, commune_type, service = self._year, self.chosen_type, self._service
        run_op(
            self,
            lambda: service.save(year, commune_type, changed),
            success=self._saved,
            failure=lambda exc: self._save_failed(exc, changed),
            label=self.tr("Đang lưu và tính lại số liệu từ sổ…"),
            changes=(Change.SYNC,),
        )

    def _finish_editing(self) -> None:
        """Keep what is in an open cell editor (Ctrl+S pressed while typing)."""
        if self.table.state() != QAbstractItemView.State.EditingState:
            return
        editor = self.table.indexWidget(self.table.currentIndex())
        if editor is not None:
            self.table.commitData(editor)
            self.table.closeEditor(editor, QAbstractItemDelegate.EndEditHint.NoHint)

    def _problems_text(self, count: int) -> str:
        return self.tr("Chưa lưu: {n} tiêu chí cần sửa (xem cột “Cần sửa”).").format(n=count)

    def _saved(self, result: CfcResult) -> None:
        self._saving = False
        self.model.editable = self.can_edit
        self._base = result
        self.model.set_result(result, keep_typed=False)
        self.error.show_message("")
        self._refresh()
        self.state_label.setText(self.tr("Đã lưu."))
        self.saved.emit()

    def _save_failed(self, exc: BaseException, entries: list[CfcScoreEntry]) -> None:
        self._saving = False
        self.model.editable = self.can_edit
        self._refresh()
        if not isinstance(exc, ValidationError):
            messages.show_exception(self, exc)
            return
        by_no: dict[int, list[str]] = {}
        general = []
        for p in exc.problems:
            if p.row is not None and 0 < p.row <= len(entries):
                by_no.setdefault(entries[p.row - 1].no, []).append(p.message)
            else:
                general.append(p.message)
        self.model.set_problems({no: " ".join(texts) for no, texts in by_no.items()})
        self._refresh()
        if by_no:
            general.insert(0, self._problems_text(len(by_no)))
        self.error.show_message("\n".join(general))
