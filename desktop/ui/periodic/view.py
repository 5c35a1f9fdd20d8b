"""The "Báo cáo định kỳ" area: the indicators of a 6-month, 9-month or annual report,
the children behind each number, review, finalising, reopening, PDF and Excel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop import paths
from desktop.core.domain.dates import format_vn_date
from desktop.core.domain.permissions import Action
from desktop.core.reports.protect import ExportProtection
from desktop.core.services import access
from desktop.core.services.book import Book
from desktop.core.services.former_communes import FormerCommune, former_communes
from desktop.core.services.indicators import (
    CalendarDates,
    DrillList,
    IndicatorReport,
    IndicatorService,
    ReportState,
    parse_period,
    period_code,
    period_label,
)
from desktop.ui import messages
from desktop.ui.changes import Change, on_change
from desktop.ui.ops import run_op
from desktop.ui.periodic.charts import ChartsDialog
from desktop.ui.periodic.dialogs import IndicatorDrilldownDialog, ReopenDialog
from desktop.ui.periodic.figures import FiguresDialog
from desktop.ui.periodic.model import (
    CODE,
    DENOMINATOR,
    DRILL_PARTS,
    NAME,
    NUMERATOR,
    PREVIOUS,
    STATUS,
    TARGET,
    VALUE,
    CellTableModel,
    IndicatorTableModel,
    definition_text,
)
from desktop.ui.periodic.narrative import NarrativeDialog
from desktop.ui.periodic.settings import TargetsCalendarDialog
from desktop.ui.reports.files import (
    ask_report_path,
    offer_to_open,
    with_suffix,
    write_maybe_protected,
)
from desktop.ui.security.export_dialog import ExportPasswordDialog
from desktop.ui.widgets import DateLineEdit, ErrorLabel
from sync import clock

KINDS = (("H1", "6 tháng"), ("9M", "9 tháng"), ("Y", "Cả năm"))


@dataclass(frozen=True)
class _Computed:
    """What the worker hands back: the report and the calendar it was computed on."""

    report: IndicatorReport
    as_of: date | None


def default_kind(today: date) -> str:
    """The report being prepared around ``today`` (6 months until May, 9 until September)."""
    if today.month <= 5:
        return "H1"
    if today.month <= 9:
        return "9M"
    return "Y"


def decision_text(state: ReportState) -> str:
    """Upstream's decision on the version shown: status, who and when, the comment."""
    d = state.decision
    if d is None:
        return ""
    text = f"Cấp trên: {d.decision_vi.lower()} phiên bản {d.report_version} — {d.decided_by}, "
    text += clock.format_datetime(d.decided_at)
    if d.comment:
        text += f"\nNhận xét: {d.comment}"
    if state.approved:
        text += "\nBáo cáo đã duyệt được khoá: không mở lại hay sửa được nữa."
    elif d.decision == "returned":
        text += (
            "\nHãy mở lại báo cáo (quản trị viên, ghi lý do), sửa theo nhận xét, chốt số liệu "
            "lại rồi đồng bộ để gửi lại."
        )
    return text


def history_text(state: ReportState) -> str:
    """The period's history (versions finalised and reopened, upstream's decisions)."""
    if len(state.history) < 2 and not any(h.kind == "decision" for h in state.history):
        return ""  # one version finalised, nothing more: the state line says it
    lines = ["Lịch sử gửi và duyệt:"]
    for h in state.history:
        line = f"• {clock.format_datetime(h.at)} — {h.text}"
        if h.comment:
            line += f": {h.comment}"
        lines.append(line)
    return "\n".join(lines)


class PeriodicReportView(QWidget):
    """Pick a period and its reference date, compute, drill down, finalise, export."""

    computed = Signal()
    state_changed = Signal()
    exported = Signal(str)  # the path written

    def __init__(self, book: Book, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._book = book
        self._service = IndicatorService(book)
        self._formers: dict[str, FormerCommune] = {}
        self._formers_stale = True  # read when the area is shown (a book merged in since)
        self._busy = False
        self._shown_once = False
        self.report: IndicatorReport | None = None
        self._as_of: date | None = None
        self._calendar: CalendarDates | None = None
        self._state: ReportState | None = None
        self.file_dialog: QFileDialog | None = None
        self.drilldown: IndicatorDrilldownDialog | None = None
        self.reopen_dialog: ReopenDialog | None = None
        self.narrative_dialog: NarrativeDialog | None = None
        self.password_dialog: ExportPasswordDialog | None = None
        self.charts_dialog: ChartsDialog | None = None
        self.settings_dialog: TargetsCalendarDialog | None = None
        self.figures_dialog: FiguresDialog | None = None
        today = clock.today()

        title = QLabel(self.tr("Báo cáo định kỳ: kết quả thực hiện công tác trẻ em"))
        title.setObjectName("pageTitle")
        self.kind = QComboBox()
        for kind, label in KINDS:
            self.kind.addItem(self.tr(label), kind)
        self.kind.setCurrentIndex([k for k, _ in KINDS].index(default_kind(today)))
        self.year = QSpinBox()
        self.year.setRange(2020, today.year + 1)
        self.year.setValue(today.year)
        self.year.setFixedWidth(80)
        self.reference_date = DateLineEdit(label=self.tr("Số liệu tính đến ngày"))
        self.reference_date.setFixedWidth(120)
        self.date_error = ErrorLabel()
        self.period_hint = QLabel()
        self.period_hint.setObjectName("hintLabel")
        self.period_hint.setWordWrap(True)  # two lines rather than a wider window at 125 %
        self.compute_button = QPushButton(self.tr("Tính"))
        self.compute_button.setObjectName("primary")
        # "Xã cũ: …" — only when former communes' books were brought into this one (#17).
        self.former_label = QLabel(self.tr("Xã cũ:"))
        self.former = QComboBox()
        self.former.setToolTip(
            self.tr(
                "Báo cáo các kỳ trước ngày gộp sổ của từng xã cũ, lập lại từ lịch sử trong sổ: "
                "chỉ để xem và in, không chốt, không gửi."
            )
        )
        self.former_hint = QLabel()
        self.former_hint.setObjectName("hintLabel")
        self.former_hint.setWordWrap(True)
        self.former_label.hide()
        self.former.hide()
        self.former_hint.hide()

        self.state_label = QLabel()
        self.state_label.setObjectName("sectionTitle")
        self.state_label.setWordWrap(True)
        self.flag_label = QLabel()
        self.flag_label.setObjectName("errorLabel")
        self.flag_label.setWordWrap(True)
        self.flag_label.hide()
        # Upstream's decision on this version and the period's history (plain text: a
        # comment comes from the server and is never read as markup).
        self.decision_label = QLabel()
        self.decision_label.setObjectName("sectionTitle")
        self.decision_label.setWordWrap(True)
        self.decision_label.setTextFormat(Qt.TextFormat.PlainText)
        self.decision_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.decision_label.hide()
        self.history_label = QLabel()
        self.history_label.setObjectName("hintLabel")
        self.history_label.setWordWrap(True)
        self.history_label.setTextFormat(Qt.TextFormat.PlainText)
        self.history_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.history_label.hide()
        self.review_button = QPushButton(self.tr("Đã rà soát"))
        self.finalise_button = QPushButton(self.tr("Chốt số liệu"))
        self.reopen_button = QPushButton(self.tr("Mở lại (quản trị viên)"))
        self.pdf_button = QPushButton(self.tr("Xuất PDF…"))
        self.xlsx_button = QPushButton(self.tr("Xuất Excel…"))
        self.protect_check = QCheckBox(self.tr("Đặt mật khẩu cho tệp"))
        self.narrative_button = QPushButton(self.tr("Nội dung văn bản…"))
        self.charts_button = QPushButton(self.tr("Biểu đồ…"))
        self.settings_button = QPushButton(self.tr("Chỉ tiêu và lịch báo cáo…"))
        if not book.user.may(Action.SETTINGS):
            self.settings_button.setEnabled(False)
            self.settings_button.setToolTip(
                self.tr("Chỉ quản trị viên được sửa chỉ tiêu và lịch báo cáo.")
            )
        self.figures_button = QPushButton(self.tr("Số liệu các ngành…"))

        self.model = IndicatorTableModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(26)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Stretch)
        for column, width in (
            (CODE, 70),
            (VALUE, 90),
            (NUMERATOR, 70),
            (DENOMINATOR, 70),
            (TARGET, 110),
            (PREVIOUS, 80),
            (STATUS, 110),
        ):
            header.resizeSection(column, width)

        self.definition = QLabel(self.tr("Chọn một chỉ tiêu để xem định nghĩa và cách tính."))
        self.definition.setWordWrap(True)
        self.definition.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.definition.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.cells = CellTableModel(self)
        self.cell_table = QTableView()
        self.cell_table.setModel(self.cells)
        self.cell_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.cell_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.cell_table.verticalHeader().setVisible(False)
        self.cell_table.verticalHeader().setDefaultSectionSize(24)
        cell_header = self.cell_table.horizontalHeader()
        cell_header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for column, width in ((0, 130), (2, 60), (3, 60), (4, 80)):
            cell_header.resizeSection(column, width)
        self.drill_hint = QLabel(
            self.tr(
                "Bấm đúp vào giá trị, tử số, mẫu số hoặc một ô phân tổ của chỉ tiêu tính từ sổ "
                "để xem danh sách trẻ em được đếm."
            )
        )
        self.drill_hint.setObjectName("hintLabel")
        self.drill_hint.setWordWrap(True)

        period_row = QHBoxLayout()
        period_row.addWidget(QLabel(self.tr("Kỳ báo cáo:")))
        period_row.addWidget(self.kind)
        period_row.addWidget(QLabel(self.tr("năm")))
        period_row.addWidget(self.year)
        period_row.addSpacing(12)
        period_row.addWidget(QLabel(self.tr("Số liệu tính đến ngày:")))
        period_row.addWidget(self.reference_date)
        period_row.addWidget(self.former_label)
        period_row.addWidget(self.former)
        period_row.addWidget(self.compute_button)
        period_row.addSpacing(12)
        period_row.addWidget(self.period_hint, 1)
        state_row = QHBoxLayout()
        state_row.addWidget(self.state_label, 1)  # wraps only when the row has no room
        for button in (self.review_button, self.finalise_button, self.reopen_button):
            state_row.addWidget(button)
        state_row.addSpacing(16)
        state_row.addWidget(self.pdf_button)
        state_row.addWidget(self.xlsx_button)
        state_row.addWidget(self.protect_check)
        tasks_row = QHBoxLayout()
        tasks_row.addWidget(self.figures_button)
        tasks_row.addWidget(self.narrative_button)
        tasks_row.addWidget(self.charts_button)
        tasks_row.addStretch(1)
        tasks_row.addWidget(self.settings_button)

        detail = QWidget()
        detail_layout = QHBoxLayout(detail)
        detail_layout.setContentsMargins(0, 0, 0, 0)
        detail_layout.addWidget(self.definition, 1)
        detail_layout.addWidget(self.cell_table, 1)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 8)
        layout.addWidget(title)
        layout.addLayout(period_row)
        layout.addWidget(self.date_error)
        layout.addWidget(self.former_hint)
        layout.addLayout(state_row)
        layout.addLayout(tasks_row)
        layout.addWidget(self.flag_label)
        layout.addWidget(self.decision_label)
        layout.addWidget(self.history_label)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.drill_hint)

        self.kind.currentIndexChanged.connect(self.period_changed)
        self.former.currentIndexChanged.connect(self._former_changed)
        on_change(self, (Change.BOOK,), self._book_changed)
        self.year.valueChanged.connect(self.period_changed)
        self.compute_button.clicked.connect(self.compute)
        self.reference_date.returnPressed.connect(self.compute)
        self.reference_date.problem_changed.connect(self.date_error.show_message)
        self.table.doubleClicked.connect(self.open_drilldown)
        self.table.selectionModel().currentRowChanged.connect(self._row_changed)
        self.cell_table.doubleClicked.connect(self.open_cell_drilldown)
        self.review_button.clicked.connect(self.review)
        self.finalise_button.clicked.connect(self.ask_finalise)
        self.reopen_button.clicked.connect(self.ask_reopen)
        self.pdf_button.clicked.connect(lambda: self.choose_export_path("pdf"))
        self.xlsx_button.clicked.connect(lambda: self.choose_export_path("xlsx"))
        self.narrative_button.clicked.connect(self.open_narrative)
        self.charts_button.clicked.connect(self.open_charts)
        self.settings_button.clicked.connect(self.open_settings)
        on_change(self, (Change.SETTINGS,), self._settings_changed)
        self.figures_button.clicked.connect(self.open_figures)
        self._update_buttons()

    # -- the period -----------------------------------------------------------------------

    @property
    def code(self) -> str:
        """The period chosen ("2026-H1", "2026-9M", "2026")."""
        return period_code(self.year.value(), str(self.kind.currentData()))

    def select_period(self, code: str) -> None:
        """Choose period ``code`` ("2026-H1" …), e.g. from the home screen's reports due."""
        year, kind = parse_period(code)
        self.year.setValue(year)
        self.kind.setCurrentIndex(self.kind.findData(kind))

    def showEvent(self, event: QShowEvent) -> None:
        """Load the chosen period's dates the first time the area is shown."""
        super().showEvent(event)
        if self._formers_stale:
            self._load_formers()
        if not self._shown_once:
            self._shown_once = True
            self.period_changed()

    # -- a former commune -----------------------------------------------------------------

    def _book_changed(self) -> None:
        """The register changed (e.g. a former commune's book came in): read the former
        communes again now if the area is shown, else when it is next shown."""
        self._formers_stale = True
        if self.isVisible():
            self._load_formers()

    def _load_formers(self) -> None:
        """The former communes of the book (background): the choice appears when there are."""
        self._formers_stale = False
        book = self._book
        run_op(self, lambda: former_communes(book, with_rest=True), success=self._show_formers)

    def _show_formers(self, found: list[FormerCommune]) -> None:
        chosen = self.former.currentData()
        same = [f.code for f in found] == list(self._formers)
        # Fresh households either way (the rest of the book gains the households typed since).
        self._formers = {f.code: f for f in found}
        if not same:
            self.former.blockSignals(True)
            self.former.clear()
            self.former.addItem(self.tr("Không (báo cáo của xã hiện nay)"), "")
            for commune in found:
                self.former.addItem(commune.choice_vi, commune.code)
            index = self.former.findData(chosen) if chosen else 0
            self.former.setCurrentIndex(max(index, 0))
            self.former.blockSignals(False)
            for widget in (self.former_label, self.former):
                widget.setVisible(bool(found))
        self._former_changed()

    @property
    def former_commune(self) -> FormerCommune | None:
        """The former commune chosen (None: this commune's own report)."""
        return self._formers.get(str(self.former.currentData() or ""))

    def _former_changed(self) -> None:
        former = self.former_commune
        if former is self._service.former:
            return
        self._service = IndicatorService(self._book, former)
        self.former_hint.setText(self._service.former_reason_vi())
        self.former_hint.setVisible(former is not None)
        if self._shown_once:
            self.period_changed()

    def period_changed(self) -> None:
        """A new period: its dates from the calendar (background), the old numbers cleared."""
        self.report = None
        self._state = None
        self.model.set_report((), {}, self.year.value())
        self.cells.set_indicator(None)
        self.state_label.setText("")
        self.flag_label.hide()
        self.decision_label.hide()
        self.history_label.hide()
        self._update_buttons()
        code, service = self.code, self._service
        run_op(
            self,
            lambda: (service.calendar(code), service.state(code)),
            success=lambda result: self._show_calendar(code, *result),
        )

    def _show_calendar(self, code: str, calendar: CalendarDates, state: ReportState) -> None:
        if code != self.code:
            return
        self._calendar = calendar
        self.reference_date.set_value(calendar.reference)
        self.period_hint.setText(
            self.tr("Kỳ từ {s} đến {e}; hạn gửi {d}.").format(
                s=format_vn_date(calendar.start),
                e=format_vn_date(calendar.end),
                d=format_vn_date(calendar.due),
            )
        )
        self._show_state(state)

    def _date(self) -> date | None:
        if not self.reference_date.check():
            self.reference_date.setFocus()
            return None
        value = self.reference_date.value()
        if value is None:
            self.date_error.show_message(self.tr("Hãy nhập ngày tính số liệu (dd/mm/yyyy)."))
            self.reference_date.setFocus()
        return value

    def _requested_as_of(self) -> tuple[bool, date | None]:
        """(date is valid, ``as_of`` for the service: None = the calendar's reference date,
        which also shows a finalised report's frozen numbers)."""
        on = self._date()
        if on is None:
            return False, None
        if self._calendar is not None and on == self._calendar.reference:
            return True, None
        return True, on

    # -- computing ------------------------------------------------------------------------

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.compute_button.setEnabled(not busy)
        self.kind.setEnabled(not busy)
        self.year.setEnabled(not busy)
        self._update_buttons()

    def compute(self) -> None:
        """Compute every indicator of the period in the background."""
        ok, as_of = self._requested_as_of()
        if not ok or self._busy:
            return
        self._set_busy(True)
        code, service = self.code, self._service
        run_op(
            self,
            lambda: _Computed(service.compute(code, as_of), as_of),
            success=self._computed,
            failure=self._failed,
            label=self.tr("Đang tính các chỉ tiêu…"),
        )

    def _failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        messages.show_exception(self, exc)

    def _computed(self, result: _Computed) -> None:
        self._set_busy(False)
        self.show_report(result.report, result.as_of)
        self.computed.emit()

    def show_report(self, report: IndicatorReport, as_of: date | None) -> None:
        """Display ``report`` (computed with ``as_of``)."""
        self.report = report
        self._as_of = as_of
        current = self.table.currentIndex()
        code = self.model.row_at(current.row()).code if current.isValid() else ""
        self.model.set_report(report.results, report.previous, report.period.reference.year)
        row = self.model.row_of(code) if code else -1
        if row >= 0:
            self.table.selectRow(row)
        else:
            self.cells.set_indicator(None)
        self._show_state(report.state)

    def _row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            self.cells.set_indicator(None)
            return
        item = self.model.row_at(current.row())
        self.definition.setText(definition_text(item))
        self.cells.set_indicator(item if item.status == "computed" else None)

    # -- state ----------------------------------------------------------------------------

    def _show_state(self, state: ReportState) -> None:
        self._state = state
        text = self.tr("Trạng thái: {s} (phiên bản {v})").format(s=state.state_vi, v=state.version)
        if self._service.former is not None:
            text = self.tr("Trạng thái: {s}").format(s=state.state_vi)
        if state.state == "finalised" and state.finalised_at is not None:
            text += self.tr(" — chốt ngày {d} bởi {u}").format(
                d=clock.to_local(state.finalised_at).strftime("%d/%m/%Y"), u=state.finalised_by
            )
        if self.report is not None and self.report.from_snapshot:
            text += self.tr("; số liệu đã chốt")
        self.state_label.setText(text)
        self.flag_label.setText(state.change_flag_vi)
        self.flag_label.setVisible(bool(state.change_flag_vi))
        self.decision_label.setText(decision_text(state))
        self.decision_label.setVisible(bool(self.decision_label.text()))
        self.history_label.setText(history_text(state))
        self.history_label.setVisible(bool(self.history_label.text()))
        self._update_buttons()

    def _update_buttons(self) -> None:
        user = self._book.user
        state = self._state
        finalised = state is not None and state.state == "finalised"
        known = state is not None and not self._busy

        locked = state.locked_vi if state is not None else ""

        # A former commune's report: computed and printed, never saved, finalised or sent.
        former = self._service.former_reason_vi()

        def apply(button: QPushButton, step: str, blocked: str) -> None:
            refusal = access.report_step_refusal(user, step)
            # Locked by upstream's approval: said first, whoever is signed in.
            reason = former or locked or refusal or blocked
            button.setEnabled(known and not reason)
            button.setToolTip(self.tr(reason) if reason else "")

        apply(
            self.review_button,
            "review",
            self.tr("Báo cáo đã chốt số liệu.")
            if finalised
            else (self.tr("Đã đánh dấu rà soát.") if state and state.state == "reviewed" else ""),
        )
        apply(
            self.finalise_button,
            "finalise",
            self.tr("Báo cáo đã chốt số liệu.")
            if finalised
            else ("" if self.report is not None else self.tr("Hãy bấm “Tính” trước.")),
        )
        apply(
            self.reopen_button,
            "reopen",
            "" if finalised else self.tr("Báo cáo chưa chốt số liệu."),
        )
        for button in (self.pdf_button, self.xlsx_button):
            button.setEnabled(not self._busy)
        # The starting text is filled from the numbers: they must have been computed.
        self.narrative_button.setEnabled(self.report is not None and not self._busy and not former)
        self.narrative_button.setToolTip(
            former or ("" if self.report is not None else self.tr("Hãy bấm “Tính” trước."))
        )
        self.charts_button.setEnabled(self.report is not None and not self._busy)
        self.charts_button.setToolTip(
            ""
            if self.report is not None
            else self.tr("Hãy bấm “Tính” trước: biểu đồ vẽ từ các chỉ tiêu đã tính.")
        )
        self.figures_button.setEnabled(known and not former)  # the period's state is known
        if former:
            self.figures_button.setToolTip(former)
        else:
            self.figures_button.setToolTip(
                self.tr(
                    "Nhập số liệu do trạm y tế, trường học, văn hóa … cung cấp; xuất và nhập "
                    "phiếu thu thập số liệu."
                )
            )

    def _life_step(self, work: object, label: str) -> None:
        if self._busy:
            return
        self._set_busy(True)
        run_op(
            self,
            work,  # type: ignore[arg-type]
            success=self._stepped,
            failure=self._failed,
            label=label,
            changes=(Change.SYNC,),
        )

    def _stepped(self, state: ReportState) -> None:
        self._set_busy(False)
        self._show_state(state)
        self.state_changed.emit()
        self.compute()  # a finalised report shows its frozen numbers

    def review(self) -> None:
        """Mark the report reviewed."""
        code, service = self.code, self._service
        self._life_step(lambda: service.review(code), self.tr("Đang ghi…"))

    def ask_finalise(self) -> QMessageBox | None:
        """Confirm, then freeze the numbers as they are on the reference date."""
        ok, as_of = self._requested_as_of()
        if not ok or self._busy:
            return None
        on = self.reference_date.value()
        return messages.ask(
            self,
            self.tr(
                "Chốt số liệu báo cáo {p}, tính đến ngày {d}? Sau khi chốt, các con số không "
                "thay đổi nữa; chỉ quản trị viên mở lại được (ghi rõ lý do)."
            ).format(p=period_label(self.code), d=format_vn_date(on)),
            on_yes=lambda: self.finalise(as_of),
            title=self.tr("Chốt số liệu"),
            yes_text=self.tr("Chốt số liệu"),
            no_text=self.tr("Để sau"),
        )

    def finalise(self, as_of: date | None) -> None:
        """Freeze the numbers (background)."""
        code, service = self.code, self._service
        self._life_step(lambda: service.finalise(code, as_of), self.tr("Đang chốt số liệu…"))

    def ask_reopen(self) -> ReopenDialog:
        """Ask the reason, then reopen."""
        dialog = ReopenDialog(period_label(self.code), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.chosen.connect(self.reopen)
        self.reopen_dialog = dialog
        dialog.open()
        return dialog

    def reopen(self, reason: str) -> None:
        """Reopen the finalised report with ``reason`` (background)."""
        code, service = self.code, self._service
        self._life_step(lambda: service.reopen(code, reason), self.tr("Đang mở lại báo cáo…"))

    # -- the report's text ----------------------------------------------------------------

    def open_narrative(self) -> NarrativeDialog | None:
        """The report's text and document fields, for the numbers shown."""
        if self.report is None or self._busy:
            return None
        dialog = NarrativeDialog(self._book, self.report, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.narrative_dialog = dialog
        dialog.open()
        return dialog

    # -- figures of the other units -------------------------------------------------------

    def open_figures(self) -> FiguresDialog:
        """The typed figures of the period chosen, unit by unit, and their collection sheets."""
        dialog = FiguresDialog(self._book, self.code, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.saved.connect(self._figures_saved)
        self.figures_dialog = dialog
        dialog.open()
        return dialog

    def _figures_saved(self) -> None:
        # The numbers shown moved: compute again (a report not computed yet waits for "Tính").
        if self.report is not None:
            self.compute()

    # -- drill-down -----------------------------------------------------------------------

    def open_drilldown(self, index: QModelIndex | QPersistentModelIndex) -> bool:
        """The children behind the double-clicked total (False if the cell has none)."""
        if not index.isValid():
            return False
        item = self.model.row_at(index.row())
        if not self.model.drillable(item, index.column()):
            return False
        part = DRILL_PARTS[index.column()]
        what = self.tr("mẫu số") if part == "denominator" else self.tr("tử số")
        title = f"{item.code} ({what})"
        self._drill(item.code, "", "", part, title)
        return True

    def open_cell_drilldown(self, index: QModelIndex | QPersistentModelIndex) -> bool:
        """The children behind one cell of the disaggregation."""
        item = self.cells.indicator
        if not index.isValid() or item is None:
            return False
        cell = self.cells.row_at(index.row())
        part = "denominator" if index.column() == 3 else "numerator"
        if part == "denominator" and cell.denominator is None:
            return False
        title = f"{item.code}, {cell.label}"
        if part == "denominator":
            title += f" ({self.tr('mẫu số')})"
        self._drill(item.code, cell.dimension, cell.key, part, title)
        return True

    def _drill(self, indicator: str, dimension: str, key: str, part: str, title: str) -> None:
        code, service, as_of = self.code, self._service, self._as_of
        run_op(
            self,
            # The service checks the right to see sensitive lists (special circumstances, abuse);
            # the ids only: the list dialog reads the children's rows itself, once.
            # A finalised report lists the children it counted then (its frozen ids).
            lambda: service.drill_list(code, indicator, dimension, key, part=part, as_of=as_of),
            success=lambda found: self._show_drilldown(title, found),
            label=self.tr("Đang tìm các trẻ em…"),
        )

    def _show_drilldown(self, title: str, found: DrillList) -> None:
        dialog = IndicatorDrilldownDialog(self._book, title, found.ids, self, note=found.basis_vi)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.drilldown = dialog
        dialog.open()

    # -- charts ---------------------------------------------------------------------------

    def open_charts(self) -> ChartsDialog | None:
        """The report's charts (as in the PDF) for the period computed."""
        if self.report is None or self._busy:
            return None
        dialog = ChartsDialog(self._service, self.code, self.report, self._as_of, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.charts_dialog = dialog
        dialog.open()
        return dialog

    # -- export ---------------------------------------------------------------------------

    def choose_export_path(self, fmt: str) -> QFileDialog | None:
        """Ask where to save (non-blocking file dialog), then export there."""
        ok, as_of = self._requested_as_of()
        if not ok or self._busy:
            return None
        former = self.former_commune
        suffix = f"-xa-cu-{former.code}" if former is not None else ""
        default = paths.exports_dir() / f"bao-cao-tre-em-{self.code}{suffix}.{fmt}"
        self.file_dialog = ask_report_path(
            self, fmt, default, lambda chosen: self._export_chosen(chosen, fmt, as_of)
        )
        return self.file_dialog

    def _export_chosen(self, path: Path, fmt: str, as_of: date | None) -> None:
        dialog = write_maybe_protected(
            self,
            self.protect_check.isChecked(),
            lambda p: self.export_to(path, fmt, as_of, p),
        )
        if dialog is not None:
            self.password_dialog = dialog

    def export_to(
        self,
        path: Path,
        fmt: str,
        as_of: date | None = None,
        protection: ExportProtection | None = None,
    ) -> None:
        """Write the report of the chosen period to ``path`` as ``fmt`` (background)."""
        if self._busy:
            return
        path = with_suffix(path, fmt)
        self._set_busy(True)
        code, service = self.code, self._service
        run_op(
            self,
            lambda: service.write(code, path, fmt, as_of, protection=protection),
            success=lambda report: self._exported(report, as_of, path),
            failure=self._failed,
            label=self.tr("Đang xuất báo cáo…"),
        )

    def _exported(self, report: IndicatorReport, as_of: date | None, path: Path) -> None:
        self._set_busy(False)
        self.show_report(report, as_of)
        self.exported.emit(str(path))
        offer_to_open(self, path)

    # -- targets and calendar -------------------------------------------------------------

    def open_settings(self) -> TargetsCalendarDialog:
        """The administrator's "Chỉ tiêu và lịch báo cáo", on the year chosen here."""
        dialog = TargetsCalendarDialog(self._book, self.year.value(), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.settings_dialog = dialog
        dialog.open()
        return dialog

    def _settings_changed(self) -> None:
        """Targets or the calendar changed: the period's dates again, and the numbers (their
        target column) when they are shown. A reference date typed by hand is kept."""
        if not self._shown_once:
            return
        again = self.report is not None
        typed = self.reference_date.text()
        custom = self._calendar is not None and self.reference_date.value() not in (
            None,
            self._calendar.reference,
        )
        code, service = self.code, self._service

        def reloaded(result: tuple[CalendarDates, ReportState]) -> None:
            if code != self.code:
                return
            self._show_calendar(code, *result)
            if custom:
                self.reference_date.setText(typed)
            if again:
                self.compute()

        run_op(self, lambda: (service.calendar(code), service.state(code)), success=reloaded)
