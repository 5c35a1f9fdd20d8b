"""The administrator's "Chỉ tiêu và lịch báo cáo": the targets of every indicator (commune,
province, nation; 2025 and 2030) and the reporting calendar of a year.

Both tabs save through ``IndicatorService`` on the ops runner (``set_target``,
``reset_target``, ``set_calendar``): the service checks the right and the values, and the audit
trail records every change. A refused text stays where it was typed, marked, with the service's
message beside it; nothing typed is dropped until it is saved or the person chooses to drop
it. A save announces ``Change.SETTINGS``, so the periodic report screen shows the new dates and
targets.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QCloseEvent, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.core.domain.dates import format_vn_date
from desktop.core.domain.errors import FieldProblem, ValidationError
from desktop.core.domain.text import fold
from desktop.core.indicators import definitions as defs
from desktop.core.services.book import Book
from desktop.core.services.indicators import (
    TARGET_YEARS,
    CalendarDates,
    IndicatorService,
    TargetSetting,
    period_code,
)
from desktop.ui import messages
from desktop.ui.changes import Change
from desktop.ui.ops import run_op
from desktop.ui.periodic.model import LEVEL_LABELS
from desktop.ui.screen import resize_to_fit
from desktop.ui.widgets import DateLineEdit, ErrorLabel, set_invalid
from sync import clock

Key = tuple[str, str, int]  # (indicator code, level, year)
Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()

# The commune's own targets first: the report compares with them before the others.
TARGET_COLUMNS: tuple[tuple[str, int], ...] = tuple(
    (level, year) for level in ("commune", "provincial", "national") for year in TARGET_YEARS
)
CODE, LABEL, NAME = 0, 1, 2
FIRST_TARGET = 3
STATE = FIRST_TARGET + len(TARGET_COLUMNS)
# Targets and calendar rows are synced upstream: the "Chờ đồng bộ" count changes too.
SAVED_CHANGES = (Change.SETTINGS, Change.SYNC)
PENDING_COLOUR = QColor("#fff4c2")
REFUSED_COLOUR = QColor("#f9d6d5")
ERROR_COLOUR = QColor("#b00020")
_LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)

REPORTS = (("H1", "Báo cáo 6 tháng"), ("9M", "Báo cáo 9 tháng"), ("Y", "Báo cáo năm"))
# The service's field names (FieldProblem.field) and the column titles.
DATE_FIELDS = (
    ("period_start", "Bắt đầu kỳ"),
    ("period_end", "Kết thúc kỳ"),
    ("reference_date", "Số liệu tính đến ngày"),
    ("due_date", "Hạn gửi"),
)


def _tr(text: str) -> str:
    return QCoreApplication.translate("TargetTableModel", text)


def column_title(level: str, year: int) -> str:
    """The heading of a target column: "Xã 2030", "Quốc gia 2025" …"""
    return f"{_tr(LEVEL_LABELS[level])} {year}"


# -- the targets ------------------------------------------------------------------------------


class TargetTableModel(QAbstractTableModel):
    """One row per indicator; a cell per level and year holding the target in force.

    Text typed in a cell is kept as *pending* until it is saved; a text the service refused
    keeps its place with the service's message (``errors``). Overridden targets are bold,
    defaults plain, pending ones on yellow, refused ones on red.
    """

    def __init__(self, indicators: Sequence[defs.IndicatorDef], parent: Any = None) -> None:
        super().__init__(parent)
        self._rows = list(indicators)
        self._keys = [fold(f"{d.code} {d.label_vi} {d.name_vi}") for d in self._rows]
        self._settings: dict[Key, TargetSetting] = {}
        self.pending: dict[Key, str] = {}
        self.errors: dict[Key, str] = {}

    # -- what is shown --------------------------------------------------------------------

    def indicator(self, row: int) -> defs.IndicatorDef:
        """The indicator on ``row``."""
        return self._rows[row]

    def row_of(self, code: str) -> int:
        """The row of indicator ``code`` (-1 if absent)."""
        return next((r for r, d in enumerate(self._rows) if d.code == code), -1)

    def search_key(self, row: int) -> str:
        """Code, label and name of ``row``, folded (accents and case dropped)."""
        return self._keys[row]

    def key(self, row: int, column: int) -> Key | None:
        """The (code, level, year) of a target cell; None for the other columns."""
        if not FIRST_TARGET <= column < STATE:
            return None
        level, year = TARGET_COLUMNS[column - FIRST_TARGET]
        return (self._rows[row].code, level, year)

    def saved_text(self, key: Key) -> str:
        """The target in force for ``key`` ("" when none)."""
        setting = self._settings.get(key)
        return setting.text if setting is not None else ""

    def text(self, key: Key) -> str:
        """What the cell shows: the text typed and not saved yet, else the one in force."""
        return self.pending[key] if key in self.pending else self.saved_text(key)

    def row_keys(self, row: int) -> list[Key]:
        """The target cells of ``row``."""
        code = self._rows[row].code
        return [(code, level, year) for level, year in TARGET_COLUMNS]

    def overridden(self, row: int) -> list[Key]:
        """The cells of ``row`` whose target the administrator set."""
        return [k for k in self.row_keys(row) if (s := self._settings.get(k)) and s.overridden]

    def row_errors(self, row: int) -> list[tuple[Key, str]]:
        """The refusals on ``row``, in column order."""
        return [(k, self.errors[k]) for k in self.row_keys(row) if k in self.errors]

    def state_text(self, row: int) -> str:
        """The last column: refused, not saved, changed by the administrator, or default."""
        refusals = self.row_errors(row)
        if refusals:
            return _tr("Chưa lưu được: {m}").format(m=refusals[0][1])
        if any(k in self.pending for k in self.row_keys(row)):
            return _tr("Chưa lưu")
        if self.overridden(row):
            return _tr("Đã sửa")
        return _tr("Mặc định")

    def _tooltip(self, key: Key, unit_label: str) -> str:
        lines = []
        if key in self.errors:
            lines.append(self.errors[key])
        elif key in self.pending:
            lines.append(_tr("Chưa lưu: bấm “Lưu chỉ tiêu”."))
        setting = self._settings.get(key)
        if setting is not None and setting.overridden:
            lines.append(_tr("Quản trị viên đã đặt: {t}").format(t=setting.text or _tr("(trống)")))
        if setting is not None and setting.default:
            lines.append(
                _tr("Mặc định: {t} (nguồn: {s})").format(t=setting.default, s=setting.source)
            )
        else:
            lines.append(_tr("Không có mục tiêu mặc định."))
        lines.append(_tr("Đơn vị: {u}").format(u=unit_label))
        return "\n".join(lines)

    # -- Qt -------------------------------------------------------------------------------

    def rowCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else STATE + 1

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole or orientation != Qt.Orientation.Horizontal:
            return None
        if section == CODE:
            return _tr("Mã")
        if section == LABEL:
            return _tr("Số")
        if section == NAME:
            return _tr("Tên chỉ tiêu")
        if section == STATE:
            return _tr("Tình trạng")
        if FIRST_TARGET <= section < STATE:
            return column_title(*TARGET_COLUMNS[section - FIRST_TARGET])
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if self.key(index.row(), index.column()) is not None:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        item, column = self._rows[index.row()], index.column()
        key = self.key(index.row(), column)
        if key is not None:
            return self._target_data(key, item, role)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            if column == CODE:
                return item.code
            if column == LABEL:
                return item.label_vi
            if column == NAME:
                if role == Qt.ItemDataRole.ToolTipRole:
                    return f"{item.name_vi}\n" + _tr("Đơn vị: {u}").format(u=item.unit_label)
                return item.name_vi
            if column == STATE:
                return self.state_text(index.row())
        if (
            role == Qt.ItemDataRole.ForegroundRole
            and column == STATE
            and self.row_errors(index.row())
        ):
            return ERROR_COLOUR
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _LEFT
        return None

    def _target_data(self, key: Key, item: defs.IndicatorDef, role: int) -> Any:
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return self.text(key)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(key, item.unit_label)
        if role == Qt.ItemDataRole.BackgroundRole:
            if key in self.errors:
                return REFUSED_COLOUR
            if key in self.pending:
                return PENDING_COLOUR
            return None
        if role == Qt.ItemDataRole.FontRole:
            setting = self._settings.get(key)
            if key in self.pending or (setting is not None and setting.overridden):
                font = QFont()
                font.setBold(key not in self.pending)
                font.setItalic(key in self.pending)
                return font
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _LEFT
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        key = self.key(index.row(), index.column()) if index.isValid() else None
        if role != Qt.ItemDataRole.EditRole or key is None:
            return False
        self.type_text(key, str(value or ""))
        return True

    # -- changes --------------------------------------------------------------------------

    def type_text(self, key: Key, text: str) -> None:
        """The person typed ``text`` in the cell of ``key``: pending until saved. The
        service's own check (``target_problem``) marks a text it will refuse at once."""
        text = text.strip()
        self.errors.pop(key, None)
        if text == self.saved_text(key):
            self.pending.pop(key, None)
        else:
            self.pending[key] = text
            row = self.row_of(key[0])
            problem = defs.target_problem(text, self._rows[row].unit)
            if problem:
                self.errors[key] = problem
        self._row_changed(self.row_of(key[0]))

    def set_settings(self, settings: Mapping[Key, TargetSetting]) -> None:
        """The targets as saved now; typed texts that now equal them are no longer pending."""
        self._settings = dict(settings)
        for key in [k for k, text in self.pending.items() if text == self.saved_text(k)]:
            del self.pending[key]
            self.errors.pop(key, None)
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, STATE))

    def saved(
        self,
        done: Sequence[tuple[Key, str]],
        refused: Mapping[Key, tuple[str, str]],
        settings: Mapping[Key, TargetSetting],
    ) -> None:
        """After a save: ``done`` texts are saved, ``refused`` ones (text, message) keep their
        message. A cell typed again while the save ran keeps its newer text, unjudged."""
        for key, text in done:
            if self.pending.get(key) == text:
                del self.pending[key]
                self.errors.pop(key, None)
        for key, (text, message) in refused.items():
            if self.pending.get(key) == text:
                self.errors[key] = message
        self.set_settings(settings)

    def drop_pending(self, row: int) -> None:
        """Forget what was typed on ``row`` and not saved."""
        for key in self.row_keys(row):
            self.pending.pop(key, None)
            self.errors.pop(key, None)
        self._row_changed(row)

    def _row_changed(self, row: int) -> None:
        if row >= 0:
            self.dataChanged.emit(self.index(row, 0), self.index(row, STATE))


class TargetFilter(QSortFilterProxyModel):
    """Keeps the rows whose code, label or name contain the search words, accents ignored."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._words: list[str] = []

    def set_query(self, text: str) -> None:
        """Show only the indicators matching every word of ``text`` ("" shows all)."""
        words = fold(text).split()
        if hasattr(self, "beginFilterChange"):  # Qt 6.10 and later
            self.beginFilterChange()
            self._words = words
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:  # pragma: no cover - older Qt
            self._words = words
            self.invalidateRowsFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        model = self.sourceModel()
        if not self._words or not isinstance(model, TargetTableModel):
            return True
        key = model.search_key(source_row)
        return all(word in key for word in self._words)


@dataclass(frozen=True)
class _TargetsSaved:
    """What the worker hands back after saving targets."""

    done: tuple[tuple[Key, str], ...]
    refused: dict[Key, tuple[str, str]]  # (text, the service's message)
    settings: dict[Key, TargetSetting]


def save_targets(service: IndicatorService, changes: Sequence[tuple[Key, str]]) -> _TargetsSaved:
    """Save each typed target (worker thread); a refused one is kept with its message."""
    done: list[tuple[Key, str]] = []
    refused: dict[Key, tuple[str, str]] = {}
    for key, text in changes:
        try:
            service.set_target(*key, text)
        except ValidationError as exc:
            refused[key] = (text, exc.message_vi)
        else:
            done.append((key, text))
    return _TargetsSaved(tuple(done), refused, service.target_settings())


def reset_targets(service: IndicatorService, keys: Sequence[Key]) -> _TargetsSaved:
    """Put the targets of ``keys`` back to their defaults (worker thread)."""
    for key in keys:
        service.reset_target(*key)
    return _TargetsSaved((), {}, service.target_settings())


class TargetsTab(QWidget):
    """The "Chỉ tiêu" tab: search, the table edited in place, back to default, save."""

    saved = Signal()

    def __init__(self, service: IndicatorService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._service = service
        self._busy = False
        self.confirm_box: Any = None
        hint = QLabel(
            self.tr(
                "Bấm đúp vào một ô để sửa mục tiêu, ví dụ «từ 95% trở lên», «dưới 0,4‰», "
                "«không có»; để trống là không có mục tiêu. Chữ đậm: quản trị viên đã đặt; chữ "
                "thường: mục tiêu mặc định (Quyết định 23/QĐ-TTg, kế hoạch của xã). Báo cáo so "
                "với mục tiêu của xã trước, không có thì của tỉnh, rồi của quốc gia."
            )
        )
        hint.setWordWrap(True)
        hint.setObjectName("hintLabel")
        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("Tìm theo mã, số hoặc tên chỉ tiêu"))
        self.search.setClearButtonEnabled(True)
        self.model = TargetTableModel(defs.indicators(), self)
        self.proxy = TargetFilter(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(26)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(50)
        for column, width in ((CODE, 64), (LABEL, 110), (STATE, 120)):
            header.resizeSection(column, width)
        for column in range(FIRST_TARGET, STATE):
            header.resizeSection(column, 100)
        self.error = ErrorLabel()
        self.status = QLabel()
        self.status.setObjectName("hintLabel")
        self.reset_button = QPushButton(self.tr("Về mặc định"))
        self.reset_button.setToolTip(
            self.tr("Dùng lại mục tiêu mặc định cho mọi ô của chỉ tiêu đang chọn.")
        )
        self.save_button = QPushButton(self.tr("Lưu chỉ tiêu"))
        self.save_button.setObjectName("primary")
        for button in (self.reset_button, self.save_button):
            button.setAutoDefault(False)

        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.reset_button)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addWidget(self.search)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.error)
        layout.addLayout(buttons)

        self.search.textChanged.connect(self.proxy.set_query)
        self.table.selectionModel().currentChanged.connect(lambda *_: self._show_row_errors())
        self.model.dataChanged.connect(lambda *_: self._show_row_errors())
        self.reset_button.clicked.connect(self.ask_reset)
        self.save_button.clicked.connect(self.save)

    # -- loading --------------------------------------------------------------------------

    def load(self) -> None:
        """Read the targets in force (background)."""
        service = self._service
        run_op(self, service.target_settings, success=self.model.set_settings)

    def current_row(self) -> int:
        """The source row of the chosen indicator (-1 when none)."""
        index = self.table.currentIndex()
        if not index.isValid():
            return -1
        return self.proxy.mapToSource(index).row()

    def index_of(self, code: str, level: str, year: int) -> QModelIndex:
        """The table's (proxy) index of a target cell."""
        row = self.model.row_of(code)
        column = FIRST_TARGET + TARGET_COLUMNS.index((level, year))
        return self.proxy.mapFromSource(self.model.index(row, column))

    def unsaved(self) -> int:
        """How many typed targets are not saved."""
        return len(self.model.pending)

    def _show_row_errors(self) -> None:
        row = self.current_row()
        refusals = self.model.row_errors(row) if row >= 0 else []
        if not refusals and self.model.errors:
            first = next(iter(self.model.errors))
            row = self.model.row_of(first[0])
            refusals = self.model.row_errors(row)
        if not refusals:
            self.error.show_message("")
            return
        item = self.model.indicator(row)
        lines = [
            f"{item.label_vi} ({item.code}), {column_title(level, year)}: {message}"
            for (_code, level, year), message in refusals
        ]
        self.error.show_message("\n".join(lines))

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.save_button.setEnabled(not busy)
        self.reset_button.setEnabled(not busy)

    # -- saving ---------------------------------------------------------------------------

    def save(self) -> None:
        """Save every typed target (background); refused ones stay, with their message."""
        if self._busy:
            return
        changes = sorted(self.model.pending.items())
        if not changes:
            self.status.setText(self.tr("Không có thay đổi nào cần lưu."))
            return
        self._set_busy(True)
        self.status.setText("")
        service = self._service
        run_op(
            self,
            lambda: save_targets(service, changes),
            success=self._saved,
            failure=self._failed,
            label=self.tr("Đang lưu các mục tiêu…"),
            changes=SAVED_CHANGES,
        )

    def _saved(self, result: _TargetsSaved) -> None:
        self._set_busy(False)
        self.model.saved(result.done, result.refused, result.settings)
        parts = []
        if result.done:
            parts.append(self.tr("Đã lưu {n} mục tiêu.").format(n=len(result.done)))
        if result.refused:
            parts.append(
                self.tr("{n} mục tiêu chưa lưu được (ô tô đỏ): hãy sửa rồi lưu lại.").format(
                    n=len(result.refused)
                )
            )
            first = min(result.refused)
            self.table.setCurrentIndex(self.index_of(*first))
        self.status.setText(" ".join(parts))
        self._show_row_errors()
        if result.done:
            self.saved.emit()

    def _failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        messages.show_exception(self, exc)
        self.load()  # what was saved before the failure is no longer pending

    def ask_reset(self) -> Any:
        """Confirm, then put the chosen indicator's targets back to their defaults."""
        if self._busy:
            return None
        row = self.current_row()
        if row < 0:
            self.status.setText(self.tr("Hãy chọn một chỉ tiêu trong bảng."))
            return None
        item = self.model.indicator(row)
        typed = [k for k in self.model.row_keys(row) if k in self.model.pending]
        if not self.model.overridden(row) and not typed:
            self.status.setText(self.tr("{c} đang dùng mục tiêu mặc định.").format(c=item.label_vi))
            return None
        text = self.tr(
            "Dùng lại mục tiêu mặc định cho {l} ({c})? Các mục tiêu quản trị viên đã đặt cho "
            "chỉ tiêu này được thay bằng mục tiêu mặc định (việc này được ghi vào nhật ký)."
        ).format(l=item.label_vi, c=item.code)
        if typed:
            text += " " + self.tr("Những gì vừa gõ mà chưa lưu trên dòng này cũng bị bỏ.")
        self.confirm_box = messages.ask(
            self,
            text,
            on_yes=lambda: self.reset_row(row),
            title=self.tr("Về mặc định"),
            yes_text=self.tr("Về mặc định"),
            no_text=self.tr("Không"),
        )
        return self.confirm_box

    def reset_row(self, row: int) -> None:
        """Drop what was typed on ``row`` and reset its overridden targets (background)."""
        self.model.drop_pending(row)
        keys = self.model.overridden(row)
        if not keys or self._busy:
            return
        self._set_busy(True)
        service = self._service
        run_op(
            self,
            lambda: reset_targets(service, keys),
            success=self._reset_done,
            failure=self._failed,
            label=self.tr("Đang ghi…"),
            changes=SAVED_CHANGES,
        )

    def _reset_done(self, result: _TargetsSaved) -> None:
        self._set_busy(False)
        self.model.set_settings(result.settings)
        self.status.setText(self.tr("Đã dùng lại mục tiêu mặc định."))
        self.saved.emit()


# -- the calendar -----------------------------------------------------------------------------


@dataclass
class _ReportRow:
    """The four date fields of one report type, its messages and the dates as loaded."""

    kind: str
    fields: dict[str, DateLineEdit]
    error: ErrorLabel
    default_hint: QLabel
    loaded: CalendarDates | None = None
    refused: dict[str, str] = field(default_factory=dict)  # service's messages by field


@dataclass(frozen=True)
class _CalendarSaved:
    """What the worker hands back after saving the calendar of a year."""

    year: int
    refused: dict[str, list[FieldProblem]]  # by report type
    calendars: dict[str, CalendarDates]
    saved: tuple[str, ...]


def default_hint(kind: str) -> str:
    """The default dates of a report type (calendar.csv), shown under its row."""
    entry = next(e for e in defs.calendar_defaults() if e.report_type == kind and e.year is None)

    def dm(value: tuple[int, int]) -> str:
        return f"{value[0]:02d}/{value[1]:02d}"

    text = QCoreApplication.translate(
        "CalendarTab", "Mặc định: kỳ từ {s} đến {e}, số liệu tính đến {r}, hạn gửi {d}."
    )
    return text.format(
        s=dm(entry.period_start),
        e=dm(entry.period_end),
        r=dm(entry.reference_date),
        d=dm(entry.due_date),
    )


def save_calendar(
    service: IndicatorService, year: int, changes: Mapping[str, dict[str, date]]
) -> _CalendarSaved:
    """Save the changed report types of ``year`` (worker thread); the recipient is kept."""
    refused: dict[str, list[FieldProblem]] = {}
    saved = []
    for kind, dates in changes.items():
        code = period_code(year, kind)
        try:
            service.set_calendar(
                code,
                start=dates["period_start"],
                end=dates["period_end"],
                reference=dates["reference_date"],
                due=dates["due_date"],
                recipient=service.calendar(code).recipient,
            )
        except ValidationError as exc:
            refused[kind] = exc.problems
        else:
            saved.append(kind)
    calendars = {kind: service.calendar(period_code(year, kind)) for kind, _ in REPORTS}
    return _CalendarSaved(year, refused, calendars, tuple(saved))


def _dates_of(calendar: CalendarDates) -> dict[str, date]:
    return {
        "period_start": calendar.start,
        "period_end": calendar.end,
        "reference_date": calendar.reference,
        "due_date": calendar.due,
    }


class CalendarTab(QWidget):
    """The "Lịch báo cáo" tab: a year, its three reports' dates, save."""

    saved = Signal()

    def __init__(self, service: IndicatorService, year: int, parent: QWidget | None = None):
        super().__init__(parent)
        self._service = service
        self._busy = False
        self._year = year
        self.confirm_box: Any = None
        hint = QLabel(
            self.tr(
                "Ngày bắt đầu và kết thúc kỳ, ngày tính số liệu (ngày chốt) và hạn gửi của từng "
                "báo cáo, riêng cho từng năm. Gõ ngày dạng dd/mm/yyyy. Năm nào không sửa thì "
                "dùng lịch mặc định."
            )
        )
        hint.setWordWrap(True)
        hint.setObjectName("hintLabel")
        self.year = QSpinBox()
        self.year.setRange(2020, clock.today().year + 5)
        self.year.setValue(year)
        self.year.setFixedWidth(90)
        year_row = QHBoxLayout()
        year_row.addWidget(QLabel(self.tr("Lịch báo cáo năm:")))
        year_row.addWidget(self.year)
        year_row.addStretch(1)

        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(6)
        grid.setColumnStretch(len(DATE_FIELDS) + 1, 1)
        for column, (_name, title) in enumerate(DATE_FIELDS, start=1):
            heading = QLabel(self.tr(title))
            heading.setObjectName("sectionTitle")
            grid.addWidget(heading, 0, column)
        self.rows: dict[str, _ReportRow] = {}
        for n, (kind, title) in enumerate(REPORTS):
            line = 1 + 3 * n
            name = QLabel(self.tr(title))
            name.setObjectName("sectionTitle")
            grid.addWidget(name, line, 0)
            fields: dict[str, DateLineEdit] = {}
            for column, (field_name, field_title) in enumerate(DATE_FIELDS, start=1):
                edit = DateLineEdit(label=self.tr(field_title))
                edit.setFixedWidth(120)
                grid.addWidget(edit, line, column)
                fields[field_name] = edit
            error = ErrorLabel()
            grid.addWidget(error, line + 1, 1, 1, len(DATE_FIELDS) + 1)
            default = QLabel(default_hint(kind))
            default.setObjectName("hintLabel")
            grid.addWidget(default, line + 2, 1, 1, len(DATE_FIELDS) + 1)
            row = _ReportRow(kind, fields, error, default)
            self.rows[kind] = row
            for field_name, edit in fields.items():
                edit.problem_changed.connect(lambda _m, r=row: self._show_row(r))
                edit.textEdited.connect(lambda _t, r=row, f=field_name: self._typed(r, f))

        self.status = QLabel()
        self.status.setObjectName("hintLabel")
        self.save_button = QPushButton(self.tr("Lưu lịch báo cáo"))
        self.save_button.setObjectName("primary")
        self.save_button.setAutoDefault(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.save_button)

        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addLayout(year_row)
        layout.addLayout(grid)
        layout.addStretch(1)
        layout.addLayout(buttons)

        self.year.valueChanged.connect(self._year_changed)
        self.save_button.clicked.connect(self.save)

    # -- loading --------------------------------------------------------------------------

    def load(self) -> None:
        """Read the calendar of the chosen year (background)."""
        year, service = self._year, self._service
        run_op(
            self,
            lambda: {kind: service.calendar(period_code(year, kind)) for kind, _ in REPORTS},
            success=lambda calendars: self._loaded(year, calendars),
        )

    def _loaded(self, year: int, calendars: Mapping[str, CalendarDates]) -> None:
        if year != self._year:
            return
        for kind, row in self.rows.items():
            self._fill(row, calendars[kind])

    def _fill(self, row: _ReportRow, calendar: CalendarDates) -> None:
        row.loaded = calendar
        row.refused.clear()
        for name, value in _dates_of(calendar).items():
            edit = row.fields[name]
            edit.set_value(value)
            set_invalid(edit, None)
        self._show_row(row)

    def _year_changed(self, year: int) -> None:
        if year == self._year:
            return
        changed = self.changed_kinds()
        if not changed:
            self._switch_year(year)
            return
        previous = self._year
        self.year.blockSignals(True)
        self.year.setValue(previous)  # until the person answers
        self.year.blockSignals(False)
        self.confirm_box = messages.ask(
            self,
            self.tr(
                "Lịch năm {y} có thay đổi chưa lưu. Bỏ các thay đổi đó để xem lịch năm {n}?"
            ).format(y=previous, n=year),
            on_yes=lambda: self._switch_year(year),
            title=self.tr("Thay đổi chưa lưu"),
            yes_text=self.tr("Bỏ thay đổi"),
            no_text=self.tr("Ở lại"),
        )

    def _switch_year(self, year: int) -> None:
        self._year = year
        self.year.blockSignals(True)
        self.year.setValue(year)
        self.year.blockSignals(False)
        self.status.setText("")
        for row in self.rows.values():
            row.loaded = None
            row.refused.clear()
            for edit in row.fields.values():
                edit.set_value(None)
                set_invalid(edit, None)
            self._show_row(row)
        self.load()

    # -- what was typed -------------------------------------------------------------------

    def changed_kinds(self) -> list[str]:
        """The report types whose dates differ from the ones loaded."""
        out = []
        for kind, row in self.rows.items():
            if row.loaded is None:
                continue
            loaded = {k: format_vn_date(v) for k, v in _dates_of(row.loaded).items()}
            typed = {k: " ".join(e.text().split()) for k, e in row.fields.items()}
            if any(
                typed[k] != loaded[k] and row.fields[k].value() != _dates_of(row.loaded)[k]
                for k in loaded
            ):
                out.append(kind)
        return out

    def unsaved(self) -> int:
        """How many reports have dates changed and not saved."""
        return len(self.changed_kinds())

    def _typed(self, row: _ReportRow, name: str) -> None:
        # Typing again in a field clears the service's complaint about it.
        if row.refused.pop(name, None) is not None:
            set_invalid(row.fields[name], row.fields[name].problem or None)
            self._show_row(row)

    def _show_row(self, row: _ReportRow) -> None:
        lines = [e.problem for e in row.fields.values() if e.problem]
        lines += [m for m in row.refused.values() if m not in lines]
        row.error.show_message("\n".join(lines))

    # -- saving ---------------------------------------------------------------------------

    def save(self) -> None:
        """Check the dates typed, then save the changed reports of the year (background)."""
        if self._busy:
            return
        changes: dict[str, dict[str, date]] = {}
        complete = True
        for kind in self.changed_kinds():
            row = self.rows[kind]
            dates: dict[str, date] = {}
            for name, edit in row.fields.items():
                if not edit.check():
                    complete = False
                    continue
                value = edit.value()
                if value is None:
                    row.refused[name] = self.tr("Hãy nhập {f} (dd/mm/yyyy).").format(
                        f=self.tr(dict(DATE_FIELDS)[name]).lower()
                    )
                    set_invalid(edit, row.refused[name])
                    complete = False
                    continue
                dates[name] = value
            self._show_row(row)
            if len(dates) == len(DATE_FIELDS):
                changes[kind] = dates
        if not complete:
            self.status.setText(self.tr("Hãy sửa các ngày bị đánh dấu đỏ rồi lưu lại."))
            return
        if not changes:
            self.status.setText(self.tr("Không có thay đổi nào cần lưu."))
            return
        self._busy = True
        self.save_button.setEnabled(False)
        self.status.setText("")
        year, service = self._year, self._service
        run_op(
            self,
            lambda: save_calendar(service, year, changes),
            success=self._saved,
            failure=self._failed,
            label=self.tr("Đang lưu lịch báo cáo…"),
            changes=SAVED_CHANGES,
        )

    def _saved(self, result: _CalendarSaved) -> None:
        self._busy = False
        self.save_button.setEnabled(True)
        if result.year == self._year:
            for kind in result.saved:
                self._fill(self.rows[kind], result.calendars[kind])
            for kind, problems in result.refused.items():
                row = self.rows[kind]
                for problem in problems:
                    edit = row.fields.get(problem.field) or row.fields["period_end"]
                    name = problem.field if problem.field in row.fields else "period_end"
                    row.refused[name] = problem.message
                    set_invalid(edit, problem.message)
                self._show_row(row)
        parts = []
        if result.saved:
            names = ", ".join(self.tr(dict(REPORTS)[k]).lower() for k in result.saved)
            parts.append(self.tr("Đã lưu lịch {n} năm {y}.").format(n=names, y=result.year))
        if result.refused:
            parts.append(self.tr("Có ngày chưa hợp lệ (đánh dấu đỏ): hãy sửa rồi lưu lại."))
        self.status.setText(" ".join(parts))
        if result.saved:
            self.saved.emit()

    def _failed(self, exc: BaseException) -> None:
        self._busy = False
        self.save_button.setEnabled(True)
        messages.show_exception(self, exc)


# -- the dialog -------------------------------------------------------------------------------


class TargetsCalendarDialog(QDialog):
    """ "Chỉ tiêu và lịch báo cáo": the two tabs; closing with unsaved changes asks first."""

    saved = Signal()  # targets or calendar saved (the change is also announced to every screen)

    def __init__(self, book: Book, year: int | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Chỉ tiêu và lịch báo cáo"))
        service = IndicatorService(book)
        self.confirm_box: Any = None
        self._closing = False
        self.targets = TargetsTab(service, self)
        self.calendar = CalendarTab(service, year or clock.today().year, self)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.targets, self.tr("Chỉ tiêu"))
        self.tabs.addTab(self.calendar, self.tr("Lịch báo cáo"))
        self.close_button = QPushButton(self.tr("Đóng"))
        self.close_button.setAutoDefault(False)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(bottom)
        self.close_button.clicked.connect(self.reject)
        self.targets.saved.connect(self.saved)
        self.calendar.saved.connect(self.saved)
        resize_to_fit(self, 1220, 700)
        self.targets.load()
        self.calendar.load()

    def unsaved_text(self) -> str:
        """What would be lost by closing now ("" when nothing)."""
        parts = []
        if self.targets.unsaved():
            parts.append(self.tr("{n} mục tiêu").format(n=self.targets.unsaved()))
        if self.calendar.unsaved():
            parts.append(self.tr("lịch của {n} báo cáo").format(n=self.calendar.unsaved()))
        return self.tr(" và ").join(parts)

    def reject(self) -> None:
        """Close; with changes not saved, ask first."""
        lost = self.unsaved_text()
        if not lost or self._closing:
            super().reject()
            return
        self.confirm_box = messages.ask(
            self,
            self.tr("Có {w} chưa lưu. Đóng và bỏ các thay đổi này?").format(w=lost),
            on_yes=self._discard_and_close,
            title=self.tr("Thay đổi chưa lưu"),
            yes_text=self.tr("Bỏ thay đổi"),
            no_text=self.tr("Ở lại"),
        )

    def _discard_and_close(self) -> None:
        self._closing = True
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        """The window's close button asks like "Đóng" does."""
        if self.unsaved_text() and not self._closing:
            event.ignore()
            self.reject()
            return
        super().closeEvent(event)
