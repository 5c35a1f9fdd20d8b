"""Abuse and violence cases: the list with their legal clocks, the intake form (Mẫu số 01)
kept as a draft, the timeline with its steps, and the two prints."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import datetime, time
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.core.domain.deadlines import STATE_LABELS, ClockState
from desktop.core.domain.errors import FieldProblem, ValidationError
from desktop.core.domain.permissions import Action
from desktop.core.domain.population import SEX_LABELS
from desktop.core.domain.protection import is_sensitive_form
from desktop.core.services import codes
from desktop.core.services.book import Book
from desktop.core.services.protection import (
    CASE_OUTCOMES,
    CASE_STATE_LABELS,
    HIDDEN_SENSITIVE_NOTE,
    HIV_STATUSES,
    REFERRAL_TARGETS,
    STEP_LABELS,
    TITLE_KINDS,
    CaseChildForm,
    CaseDetail,
    CaseFilter,
    CaseForm,
    CaseListRow,
    CaseNotReady,
    CaseSaved,
    CaseService,
    CaseState,
    CaseStepForm,
    Clock,
    ConsentForm,
    ConsentService,
    InformantForm,
    ListKind,
    StepKind,
)
from desktop.ui import messages
from desktop.ui.ops import run_op
from desktop.ui.printing.files import choose_save_path, offer_to_open
from desktop.ui.protection.common import (
    STATE_COLOURS,
    ListModel,
    date_text,
    denied_reason,
    export_button,
    fill_codes,
    gate,
    local_text,
    make_table,
    selected_row,
    tr,
)
from desktop.ui.protection.consent import ConsentsPanel
from desktop.ui.protection.form import FormDialog, text_edit
from desktop.ui.protection.picker import ChildPicker
from desktop.ui.protection.remove import RemoveDialog, open_remove
from desktop.ui.screen import resize_to_fit
from desktop.ui.widgets import DateLineEdit, ErrorLabel, FoldingComboBox, set_invalid
from sync import clock

_TIME = re.compile(r"^\s*(\d{1,2})\s*[:hg.]\s*(\d{2})\s*$")


def parse_time(text: str) -> time | None:
    """ "17:30", "17h30", "7.05" → a time; None when empty or unreadable."""
    found = _TIME.match(text)
    if not found:
        return None
    hour, minute = int(found.group(1)), int(found.group(2))
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def time_problem(text: str, label: str) -> str:
    """Why ``text`` is not a time ("" when it is, or is empty)."""
    if not text.strip() or parse_time(text) is not None:
        return ""
    return tr("{label}: “{t}” không phải giờ hợp lệ; hãy nhập dạng 17:30.").format(
        label=label, t=text.strip()
    )


def clock_text(found: Clock) -> str:
    """ "Quá hạn 3 giờ" / "Còn 2 ngày làm việc" / "Đã làm đúng hạn"."""
    return tr(found.left_text)


def clock_colour(state: str) -> str | None:
    """The colour of a clock state (None: the usual text colour)."""
    return STATE_COLOURS.get(state)


def _clock_of(row: CaseListRow, kind: str) -> str:
    for found in row.clocks:
        if found.kind == kind:
            return clock_text(found)
    return ""


CASE_COLUMNS = [
    ("Số", lambda r: r.case_no),
    ("Tình trạng", lambda r: tr(CASE_STATE_LABELS.get(r.state, str(r.state)))),
    ("Tiếp nhận lúc", lambda r: local_text(r.received_at)),
    ("Trẻ em", lambda r: r.children_text if not r.hidden else tr("(ẩn)")),
    ("Báo cáo (1 ngày)", lambda r: _clock_of(r, "written_report")),
    ("Khẩn cấp (12 giờ)", lambda r: _clock_of(r, "emergency")),
    ("Kế hoạch (5 ngày làm việc)", lambda r: _clock_of(r, "plan")),
    ("Hình thức", lambda r: r.forms_text if not r.hidden else tr("(ẩn)")),
]


class ClocksPanel(QWidget):
    """The clocks of one case: what, by when, and the time left, coloured by urgency."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.labels: dict[str, QLabel] = {}

    def set_clocks(self, clocks: Sequence[Clock]) -> None:
        """Show ``clocks`` (replacing what was shown)."""
        while self.grid.count():
            item = self.grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.labels = {}
        if not clocks:
            empty = QLabel(self.tr("Chưa có thời hạn: hãy nhập ngày và giờ tiếp nhận."))
            empty.setObjectName("hintLabel")
            self.grid.addWidget(empty, 0, 0)
            return
        for row, found in enumerate(clocks):
            what = QLabel(self.tr(found.label))
            due = QLabel(self.tr("hạn {d}").format(d=local_text(found.due_at)))
            state = QLabel(
                f"{self.tr(STATE_LABELS.get(found.state, str(found.state)))} — {clock_text(found)}"
            )
            colour = clock_colour(found.state)
            if colour:
                state.setStyleSheet(f"color: {colour}; font-weight: 600;")
            self.labels[str(found.kind)] = state
            self.grid.addWidget(what, row, 0)
            self.grid.addWidget(due, row, 1)
            self.grid.addWidget(state, row, 2)
        self.grid.setColumnStretch(2, 1)


class CasesView(QWidget):
    """Every case with its clocks; intake, the case and its prints open from here."""

    loaded = Signal(int)

    def __init__(self, book: Book, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._book = book
        self._service = CaseService(book)
        self._request = 0
        self.dialog: QWidget | None = None
        user = book.user
        self.search = QLineEdit()
        self.search.setClearButtonEnabled(True)
        self.search.setPlaceholderText(self.tr("Tìm theo số vụ việc hoặc tên trẻ"))
        self.state = FoldingComboBox()
        self.state.set_items(
            [(self.tr("Mọi tình trạng"), None)]
            + [(self.tr(label), state) for state, label in CASE_STATE_LABELS.items()]
        )
        self.year = FoldingComboBox()
        this_year = clock.today().year
        self.year.set_items(
            [(self.tr("Mọi năm"), None)]
            + [(str(y), y) for y in range(this_year, this_year - 6, -1)]
        )
        self.overdue_only = QCheckBox(self.tr("Chỉ vụ việc có mốc quá hạn"))
        top = QHBoxLayout()
        top.addWidget(self.search, 2)
        top.addWidget(self.state, 1)
        top.addWidget(self.year)
        top.addWidget(self.overdue_only)
        self.model = ListModel(
            [(tr(h), f) for h, f in CASE_COLUMNS],
            self,
            colour=lambda r: clock_colour(r.worst_state),
        )
        self.table = make_table(self.model, (80, 100, 120, 170, 150, 150, 190))
        self.hidden_note = QLabel(self.tr(HIDDEN_SENSITIVE_NOTE))
        self.hidden_note.setObjectName("calmLabel")
        self.hidden_note.setWordWrap(True)
        self.hidden_note.setVisible(not user.may(Action.VIEW_SENSITIVE))
        self.new_button = QPushButton(self.tr("Tiếp nhận vụ việc…"))
        self.new_button.setObjectName("primary")
        self.open_button = QPushButton(self.tr("Mở vụ việc"))
        self.intake_button = QPushButton(self.tr("In Mẫu 01…"))
        self.summary_button = QPushButton(self.tr("In tóm tắt vụ việc…"))
        self.remove_button = QPushButton(self.tr("Xóa vụ việc…"))
        gate(self.new_button, user, Action.EDIT_SENSITIVE)
        gate(self.remove_button, user, Action.EDIT_SENSITIVE)
        gate(self.intake_button, user, Action.VIEW_SENSITIVE)  # the informant is on it
        self.export_button = export_button(self, book, ListKind.CASES, "vu-viec.xlsx")
        self.status = QLabel()
        self.status.setObjectName("hintLabel")
        buttons = QHBoxLayout()
        for button in (
            self.new_button, self.open_button, self.intake_button, self.summary_button,
            self.export_button, self.remove_button,
        ):  # fmt: skip
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.status)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.hidden_note)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(150)
        self._timer.timeout.connect(self.refresh)
        self.search.textChanged.connect(lambda _t: self._timer.start())
        self.state.currentIndexChanged.connect(lambda _i: self.refresh())
        self.year.currentIndexChanged.connect(lambda _i: self.refresh())
        self.overdue_only.toggled.connect(lambda _c: self.refresh())
        self.table.activated.connect(lambda _i: self.open_selected())
        self.new_button.clicked.connect(self.open_new)
        self.open_button.clicked.connect(self.open_selected)
        self.intake_button.clicked.connect(lambda: self.print_selected(intake=True))
        self.summary_button.clicked.connect(lambda: self.print_selected(intake=False))
        self.remove_button.clicked.connect(self.remove_selected)

    def remove_selected(self) -> RemoveDialog | None:
        """Remove the selected case, typed in error (a reason is asked)."""
        row = selected_row(self.table)
        if row is None:
            messages.show_message(self, self.tr("Hãy chọn một vụ việc trong danh sách."))
            return None
        if not self.remove_button.isEnabled():
            return None
        service, case_id = self._service, row.id
        what = self.tr("Vụ việc số {n}, tiếp nhận {d}").format(
            n=row.case_no, d=local_text(row.received_at)
        )
        dialog = open_remove(
            self, what, lambda reason: service.remove(case_id, reason), self.refresh
        )
        self.dialog = dialog
        return dialog

    def showEvent(self, event: QShowEvent) -> None:
        """Shown: read again (the clocks moved on)."""
        super().showEvent(event)
        self.refresh()

    def filters(self) -> CaseFilter:
        """The filters as chosen."""
        state = self.state.current_data()
        year = self.year.current_data()
        return CaseFilter(
            states=(CaseState(state),) if isinstance(state, str) else (),
            year=year if isinstance(year, int) else None,
            overdue_only=self.overdue_only.isChecked(),
            text=self.search.text(),
        )

    def refresh(self) -> None:
        """The list (background)."""
        self._timer.stop()
        self._request += 1
        request = self._request
        service, filters = self._service, self.filters()
        run_op(self, lambda: service.list(filters), success=lambda r: self._loaded(request, r))

    def _loaded(self, request: int, rows: tuple[CaseListRow, ...]) -> None:
        if request != self._request:
            return
        self.model.set_rows(list(rows))
        overdue = sum(1 for r in rows if r.worst_state == ClockState.OVERDUE)
        text = self.tr("{n} vụ việc").format(n=len(rows))
        if overdue:
            text += self.tr(", {k} có mốc quá hạn").format(k=overdue)
        self.status.setText(text)
        self.loaded.emit(len(rows))

    def open_new(self) -> CaseDialog | None:
        """A new intake."""
        if not self.new_button.isEnabled():
            return None
        return self._show(CaseDialog(self._book, None, parent=self))

    def open_selected(self) -> CaseDialog | None:
        """The selected case (read from the book first)."""
        row = selected_row(self.table)
        if row is None:
            messages.show_message(self, self.tr("Hãy chọn một vụ việc trong danh sách."))
            return None
        return self.open_case(row.id)

    def open_case(self, case_id: str) -> CaseDialog | None:
        """The case ``case_id``, once read."""
        if not self.open_button.isEnabled():
            return None
        dialog = CaseDialog(self._book, case_id, parent=self)
        return self._show(dialog)

    def _show(self, dialog: CaseDialog) -> CaseDialog:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.changed.connect(self.refresh)
        self.dialog = dialog
        dialog.open()
        return dialog

    def print_selected(self, *, intake: bool) -> None:
        """Mẫu 01 or the case summary of the selected case, to a PDF."""
        row = selected_row(self.table)
        if row is None:
            messages.show_message(self, self.tr("Hãy chọn một vụ việc trong danh sách."))
            return
        print_case(self, self._book, row.id, row.case_no, intake=intake)


def print_case(parent: QWidget, book: Book, case_id: str, case_no: str, *, intake: bool) -> None:
    """Ask where, then print Mẫu 01 (``intake``) or the summary in the background."""
    service = CaseService(book)
    slug = re.sub(r"[^0-9A-Za-z]+", "-", case_no).strip("-") or "vu-viec"
    name = f"mau-01-{slug}.pdf" if intake else f"tom-tat-vu-viec-{slug}.pdf"
    what = tr("báo cáo tiếp nhận (Mẫu 01)") if intake else tr("tóm tắt vụ việc")

    def write(path: Path) -> None:
        work = service.print_intake if intake else service.print_summary
        run_op(
            parent,
            lambda: work(case_id, path),
            success=lambda done: offer_to_open(parent, Path(done), what),
            label=tr("Đang in…"),
        )

    choose_save_path(parent, tr("Lưu {what} (PDF)").format(what=what), name, write)


class ChildrenEditor(QWidget):
    """The children of a case: from the book (search) or not in the book (name, age)."""

    changed = Signal()

    def __init__(self, book: Book, parent: QWidget | None = None, *, sensitive: bool) -> None:
        super().__init__(parent)
        self._sensitive = sensitive
        self.items: list[CaseChildForm] = []
        self.picker = ChildPicker(book)
        self.list = QListWidget()
        self.list.setMinimumHeight(90)
        self.remove_button = QPushButton(self.tr("Bỏ trẻ đã chọn"))
        self.remove_button.setAutoDefault(False)
        self.outside_name = QLineEdit()
        self.outside_name.setPlaceholderText(self.tr("họ tên trẻ không có trong sổ"))
        self.outside_birth = DateLineEdit(label=self.tr("Ngày sinh"))
        self.outside_birth.setMaximumWidth(130)
        self.outside_age = QSpinBox()
        self.outside_age.setRange(-1, 17)
        self.outside_age.setSpecialValueText(self.tr("tuổi?"))
        self.outside_age.setValue(-1)
        self.outside_sex = FoldingComboBox()
        self.outside_sex.set_items(
            [(self.tr("Không biết"), 3)] + [(label, code) for code, label in SEX_LABELS.items()]
        )
        self.add_outside = QPushButton(self.tr("Thêm trẻ ngoài sổ"))
        self.add_outside.setAutoDefault(False)
        self.error = ErrorLabel()
        outside = QHBoxLayout()
        outside.addWidget(self.outside_name, 2)
        outside.addWidget(self.outside_birth)
        outside.addWidget(QLabel(self.tr("hoặc")))
        outside.addWidget(self.outside_age)
        outside.addWidget(self.outside_sex)
        outside.addWidget(self.add_outside)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel(self.tr("Trẻ trong sổ:")))
        layout.addWidget(self.picker)
        layout.addWidget(QLabel(self.tr("Trẻ không có trong sổ (ví dụ trẻ ở nơi khác đến):")))
        layout.addLayout(outside)
        layout.addWidget(self.error)
        layout.addWidget(QLabel(self.tr("Các trẻ của vụ việc:")))
        layout.addWidget(self.list)
        # HIV status is sensitive (NĐ 56 group 5): asked of, and shown to, those who may see it.
        self.hiv_status = FoldingComboBox()
        self.hiv_status.set_items([(self.tr(v), k) for k, v in HIV_STATUSES.items()])
        self.hiv_status.setEnabled(False)
        self.hiv_status.setToolTip(self.tr("Chọn một trẻ trong danh sách trên."))
        below = QHBoxLayout()
        below.addWidget(self.remove_button)
        below.addSpacing(16)
        self.hiv_label = QLabel(self.tr("Tình trạng HIV của trẻ đã chọn:"))
        below.addWidget(self.hiv_label)
        below.addWidget(self.hiv_status)
        below.addStretch(1)
        layout.addLayout(below)
        for widget in (self.hiv_label, self.hiv_status):
            widget.setVisible(sensitive)
        self.list.currentRowChanged.connect(self._row_chosen)
        self.hiv_status.currentIndexChanged.connect(self._hiv_chosen)
        self.picker.chosen.connect(self._picked)
        self.add_outside.clicked.connect(self._add_outside)
        self.remove_button.clicked.connect(self._remove)

    def set_children(self, children: Sequence[CaseChildForm], names: dict[str, str]) -> None:
        """Show the case's children (``names``: the book's names by person id)."""
        self.items = list(children)
        self._names = dict(names)
        self._show()

    def _label(self, child: CaseChildForm) -> str:
        names = getattr(self, "_names", {})
        if child.person_id:
            return names.get(child.person_id, child.full_name) or child.full_name
        age = (
            date_text(child.birth_date)
            if child.birth_date
            else self.tr("khoảng {a} tuổi").format(a=child.estimated_age)
            if child.estimated_age is not None
            else self.tr("chưa rõ tuổi")
        )
        return self.tr("{n} — {a} (ngoài sổ)").format(n=child.full_name, a=age)

    def _show(self) -> None:
        row = self.list.currentRow()
        self.list.blockSignals(True)
        self.list.clear()
        for child in self.items:
            text = self._label(child)
            if self._sensitive and child.hiv_status:
                text += self.tr(" — HIV: {s}").format(s=self.tr(HIV_STATUSES[child.hiv_status]))
            self.list.addItem(QListWidgetItem(text))
        self.list.blockSignals(False)
        if 0 <= row < len(self.items):
            self.list.setCurrentRow(row)
        else:
            self._row_chosen(-1)

    def _row_chosen(self, row: int) -> None:
        chosen = 0 <= row < len(self.items)
        self.hiv_status.blockSignals(True)
        self.hiv_status.set_current_data(self.items[row].hiv_status if chosen else "")
        self.hiv_status.blockSignals(False)
        self.hiv_status.setEnabled(chosen and self._sensitive)
        self.hiv_status.setToolTip("" if chosen else self.tr("Chọn một trẻ trong danh sách trên."))

    def _hiv_chosen(self, _index: int) -> None:
        row = self.list.currentRow()
        if not (0 <= row < len(self.items)) or not self._sensitive:
            return
        status = str(self.hiv_status.current_data() or "")
        if self.items[row].hiv_status == status:
            return
        from dataclasses import replace

        self.items[row] = replace(self.items[row], hiv_status=status)
        self._show()
        self.changed.emit()

    def _picked(self, person_id: str) -> None:
        if not person_id:
            return
        if any(c.person_id == person_id for c in self.items):
            self.picker.clear()
            return
        names = getattr(self, "_names", {})
        names[person_id] = self.picker.picked.text()
        self._names = names
        self.items.append(CaseChildForm(person_id=person_id, full_name=self.picker.person_name))
        self.picker.clear()
        self._show()
        self.error.show_message("")
        self.changed.emit()

    def _add_outside(self) -> None:
        name = self.outside_name.text().strip()
        self.outside_birth.check()
        if not name:
            self.error.show_message(self.tr("Nhập họ tên của trẻ không có trong sổ."))
            return
        if self.outside_birth.problem:
            self.error.show_message(self.outside_birth.problem)
            return
        age = self.outside_age.value()
        sex = self.outside_sex.current_data()
        self.items.append(
            CaseChildForm(
                full_name=name,
                birth_date=self.outside_birth.value(),
                estimated_age=age if age >= 0 else None,
                sex=sex if isinstance(sex, int) else 3,
            )
        )
        self.outside_name.clear()
        self.outside_birth.set_value(None)
        self.outside_age.setValue(-1)
        self.error.show_message("")
        self._show()
        self.changed.emit()

    def _remove(self) -> None:
        row = self.list.currentRow()
        if 0 <= row < len(self.items):
            del self.items[row]
            self._show()
            self.changed.emit()


class CaseDialog(QDialog):
    """The intake form (Mẫu 01), kept as a draft, then the case's timeline and clocks."""

    changed = Signal()
    loaded = Signal(object)  # the CaseDetail shown
    saved = Signal(object)  # the CaseSaved

    def __init__(self, book: Book, case_id: str | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._book = book
        self._service = CaseService(book)
        self.case_id = case_id
        self.detail: CaseDetail | None = None
        self._busy = False
        self._dirty = False
        user = book.user
        self.editable = user.may(Action.EDIT_SENSITIVE)
        self.show_informant = user.may(Action.VIEW_INFORMANT)
        self.setWindowTitle(self.tr("Tiếp nhận vụ việc") if case_id is None else self.tr("Vụ việc"))
        self.fields: dict[str, QWidget] = {}
        self.field_errors: dict[str, ErrorLabel] = {}

        # -- Tiếp nhận --
        self.received_on = DateLineEdit(label=self.tr("Ngày tiếp nhận"))
        self.received_time = QLineEdit()
        self.received_time.setPlaceholderText(self.tr("giờ:phút, ví dụ 17:30"))
        self.received_time.setMaximumWidth(130)
        self.received_on.setMaximumWidth(140)
        now = clock.to_local(clock.now())
        if case_id is None:
            self.received_on.set_value(now.date())
            self.received_time.setText(now.strftime("%H:%M"))
        self.channel_code = FoldingComboBox()
        fill_codes(self.channel_code, codes.case_channels(), first=(self.tr("— chọn —"), ""))
        self.hotline_ref = QLineEdit()
        self.hotline_ref.setPlaceholderText(self.tr("mã cuộc gọi của Tổng đài 111"))
        self.title_kind = FoldingComboBox()
        self.title_kind.set_items(
            [(self.tr("Trẻ em {k}").format(k=self.tr(v)), k) for k, v in TITLE_KINDS.items()]
        )
        self.receiving_officer = QLineEdit()
        self.receiving_officer.setText(user.full_name if case_id is None else "")
        intake = self._page(
            [
                (self.tr("Ngày tiếp nhận *:"), "received_on", self.received_on),
                (self.tr("Giờ tiếp nhận *:"), "received_time", self.received_time),
                (self.tr("Nguồn thông tin *:"), "channel_code", self.channel_code),
                (self.tr("Mã Tổng đài 111:"), "hotline_ref", self.hotline_ref),
                (self.tr("Loại báo cáo:"), "title_kind", self.title_kind),
                (self.tr("Cán bộ tiếp nhận:"), "receiving_officer", self.receiving_officer),
            ]
        )
        # -- Trẻ em --
        self.children_editor = ChildrenEditor(book, sensitive=user.may(Action.VIEW_SENSITIVE))
        self.fields["children"] = self.children_editor.list
        self.field_errors["children"] = self.children_editor.error
        # -- Sự việc --
        self.forms = QListWidget()
        self.forms.setMinimumHeight(150)
        for item_code in codes.abuse_forms():
            if is_sensitive_form(item_code.code) and not user.may(Action.VIEW_SENSITIVE):
                continue
            indent = "    " if item_code.parent_code else ""
            item = QListWidgetItem(indent + item_code.name)
            item.setData(Qt.ItemDataRole.UserRole, item_code.code)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.forms.addItem(item)
        self.setting_code = FoldingComboBox()
        fill_codes(self.setting_code, codes.abuse_settings(), first=(self.tr("— chưa rõ —"), ""))
        self.perpetrator_relation = QLineEdit()
        self.perpetrator_relation.setPlaceholderText(
            self.tr("ví dụ: cha dượng, hàng xóm, người lạ")
        )
        self.child_in_danger = QCheckBox(
            self.tr("Trẻ đang gặp nguy hiểm — cần can thiệp khẩn cấp trong 12 giờ")
        )
        self.incident_date = DateLineEdit(label=self.tr("Ngày xảy ra"))
        self.incident_date.setMaximumWidth(140)
        self.incident_place = QLineEdit()
        self.current_condition = text_edit()
        self.likely_consequences = text_edit()
        self.help_given = text_edit()
        facts = self._page(
            [
                (self.tr("Hình thức *:"), "forms", self.forms),
                (self.tr("Môi trường xảy ra:"), "setting_code", self.setting_code),
                (self.tr("Người gây hại là:"), "perpetrator_relation", self.perpetrator_relation),
                ("", "child_in_danger", self.child_in_danger),
                (self.tr("Ngày xảy ra:"), "incident_date", self.incident_date),
                (self.tr("Nơi xảy ra:"), "incident_place", self.incident_place),
                (self.tr("Tình trạng hiện tại của trẻ:"), "current_condition",
                 self.current_condition),
                (self.tr("Hậu quả nếu không được trợ giúp:"), "likely_consequences",
                 self.likely_consequences),
                (self.tr("Trợ giúp đã có:"), "help_given", self.help_given),
            ]
        )  # fmt: skip
        # -- Gia đình --
        self.father_info = QLineEdit()
        self.father_info.setPlaceholderText(self.tr("họ tên, tuổi, nghề nghiệp"))
        self.mother_info = QLineEdit()
        self.mother_info.setPlaceholderText(self.tr("họ tên, tuổi, nghề nghiệp"))
        self.family_circumstances = text_edit()
        self.current_carer = QLineEdit()
        self.notes = text_edit()
        family = self._page(
            [
                (self.tr("Cha:"), "father_info", self.father_info),
                (self.tr("Mẹ:"), "mother_info", self.mother_info),
                (self.tr("Hoàn cảnh gia đình:"), "family_circumstances",
                 self.family_circumstances),
                (self.tr("Người đang chăm sóc trẻ:"), "current_carer", self.current_carer),
                (self.tr("Ghi chú:"), "notes", self.notes),
            ]
        )  # fmt: skip
        # -- Người báo tin (confidential) --
        self.informant_name = QLineEdit()
        self.informant_phone = QLineEdit()
        self.informant_address = QLineEdit()
        self.informant_relation = QLineEdit()
        informant = self._page(
            [
                (self.tr("Họ tên:"), "informant_name", self.informant_name),
                (self.tr("Điện thoại:"), "informant_phone", self.informant_phone),
                (self.tr("Địa chỉ:"), "informant_address", self.informant_address),
                (self.tr("Quan hệ với trẻ:"), "informant_relation", self.informant_relation),
            ],
            note=self.tr(
                "Chỉ ghi khi người báo tin đồng ý. Thông tin này được giữ bí mật: chỉ cán bộ "
                "phụ trách và quản trị viên xem được, không đồng bộ, không xuất, chỉ in trên "
                "Mẫu 01."
            ),
        )
        # -- Diễn biến --
        self.clocks = ClocksPanel()
        self.steps = ListModel(
            [
                (tr("Thời gian"), lambda s: local_text(s.at)),
                (tr("Bước"), lambda s: tr(s.kind_label)),
                (tr("Người thực hiện"), lambda s: s.by),
                (tr("Nội dung"), _step_text),
            ],
            self,
        )
        self.steps_table = make_table(self.steps, (130, 190, 150))
        self.add_step_button = QPushButton(self.tr("Ghi bước xử lý…"))
        self.close_button = QPushButton(self.tr("Kết thúc vụ việc…"))
        self.remove_step_button = QPushButton(self.tr("Xóa bước đã chọn…"))
        for step_button in (self.add_step_button, self.close_button, self.remove_step_button):
            gate(step_button, user, Action.EDIT_SENSITIVE)
        self.print_intake_button = QPushButton(self.tr("In Mẫu 01…"))
        self.print_summary_button = QPushButton(self.tr("In tóm tắt…"))
        timeline = QWidget()
        timeline_layout = QVBoxLayout(timeline)
        clocks_title = QLabel(self.tr("Thời hạn theo quy định"))
        clocks_title.setObjectName("sectionTitle")
        timeline_layout.addWidget(clocks_title)
        timeline_layout.addWidget(self.clocks)
        steps_title = QLabel(self.tr("Các bước đã làm"))
        steps_title.setObjectName("sectionTitle")
        timeline_layout.addWidget(steps_title)
        timeline_layout.addWidget(self.steps_table, 1)
        line = QHBoxLayout()
        line.addWidget(self.add_step_button)
        line.addWidget(self.close_button)
        line.addWidget(self.remove_step_button)
        line.addWidget(self.print_intake_button)
        line.addWidget(self.print_summary_button)
        line.addStretch(1)
        timeline_layout.addLayout(line)
        # Consents are case data: shown to the roles that see the case's details.
        self.consents: ConsentsPanel | None = None
        if user.may(Action.VIEW_SENSITIVE):
            consents_title = QLabel(self.tr("Sự đồng ý chia sẻ thông tin"))
            consents_title.setObjectName("sectionTitle")
            timeline_layout.addWidget(consents_title)
            self.consents = ConsentsPanel(book, timeline)
            self.consents.changed.connect(self._consents_changed)
            timeline_layout.addWidget(self.consents)

        self.tabs = QTabWidget()
        self.tabs.addTab(timeline, self.tr("Thời hạn, diễn biến"))
        self.tabs.addTab(intake, self.tr("Tiếp nhận"))
        self.tabs.addTab(self.children_editor, self.tr("Trẻ em"))
        self.tabs.addTab(facts, self.tr("Sự việc"))
        self.tabs.addTab(family, self.tr("Gia đình"))
        self.informant_tab = self.tabs.addTab(informant, self.tr("Người báo tin"))
        self.tabs.setTabVisible(self.informant_tab, self.show_informant)
        self.tabs.setCurrentIndex(1 if case_id is None else 0)

        self.banner = QLabel()
        self.banner.setObjectName("calmLabel")
        self.banner.setWordWrap(True)
        self.banner.hide()
        self.summary = QLabel()
        self.summary.setObjectName("problemSummary")
        self.summary.setWordWrap(True)
        self.summary.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Đóng"))
        self.draft_button = self.buttons.addButton(
            self.tr("Lưu nháp"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.submit_button = self.buttons.addButton(
            self.tr("Lưu và mở vụ việc"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.submit_button.setObjectName("primary")
        for button in self.buttons.buttons():
            if isinstance(button, QPushButton):
                button.setAutoDefault(False)
        if not self.editable:
            reason = denied_reason(user, Action.EDIT_SENSITIVE)
            self.draft_button.hide()
            self.submit_button.hide()
            self.banner.setText(reason)
            self.banner.show()
            self._read_only()
        self.buttons.rejected.connect(self.reject)
        self.draft_button.clicked.connect(self.save_draft)
        self.submit_button.clicked.connect(self.submit)
        self.add_step_button.clicked.connect(lambda _checked=False: self.open_step())
        self.close_button.clicked.connect(lambda: self.open_step(StepKind.CLOSURE))
        self.remove_step_button.clicked.connect(self.remove_step)
        self.steps_table.selectionModel().selectionChanged.connect(
            lambda *_a: self._update_timeline_buttons()
        )
        self.print_intake_button.clicked.connect(lambda: self._print(intake=True))
        self.print_summary_button.clicked.connect(lambda: self._print(intake=False))
        self._watch_all()
        self._update_timeline_buttons()
        QShortcut(QKeySequence.StandardKey.Save, self, self.save_draft)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.summary)
        layout.addWidget(self.buttons)
        resize_to_fit(self, 960, 660)
        if case_id is not None:
            self.reload()

    # -- building -------------------------------------------------------------------------

    def _page(self, rows: list[tuple[str, str, QWidget]], note: str = "") -> QScrollArea:
        page = QWidget()
        form = QFormLayout(page)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        if note:
            label = QLabel(note)
            label.setObjectName("calmLabel")
            label.setWordWrap(True)
            form.addRow(label)
        for caption, name, widget in rows:
            box = QWidget()
            inner = QVBoxLayout(box)
            inner.setContentsMargins(0, 0, 0, 0)
            inner.setSpacing(1)
            inner.addWidget(widget)
            error = ErrorLabel()
            inner.addWidget(error)
            self.fields[name] = widget
            self.field_errors[name] = error
            label = QLabel(caption)
            label.setWordWrap(True)
            form.addRow(label, box)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(page)
        return scroll

    def _watch_all(self) -> None:
        from PySide6.QtWidgets import QPlainTextEdit

        for name, widget in self.fields.items():

            def edited(*_a: object, n: str = name) -> None:
                self._dirty = True
                self._clear(n)

            if isinstance(widget, QLineEdit):
                widget.textEdited.connect(edited)
            elif isinstance(widget, QPlainTextEdit):
                widget.textChanged.connect(edited)
            elif isinstance(widget, FoldingComboBox):
                widget.currentIndexChanged.connect(edited)
            elif isinstance(widget, QCheckBox):
                widget.toggled.connect(edited)
            elif isinstance(widget, QListWidget) and widget is self.forms:
                widget.itemChanged.connect(edited)
        self.children_editor.changed.connect(self._children_changed)

    def _children_changed(self) -> None:
        self._mark()
        self._clear("children")

    def _mark(self) -> None:
        self._dirty = True

    def _clear(self, name: str) -> None:
        label = self.field_errors.get(name)
        if label is not None and label.text():
            label.show_message("")
            widget = self.fields.get(name)
            if widget is not None:
                set_invalid(widget, None)

    def _read_only(self) -> None:
        from PySide6.QtWidgets import QPlainTextEdit

        for widget in self.fields.values():
            if isinstance(widget, QLineEdit | QPlainTextEdit):
                widget.setReadOnly(True)
            elif widget is not self.children_editor.list:
                widget.setEnabled(False)
        self.children_editor.setEnabled(False)

    def _update_timeline_buttons(self) -> None:
        exists = self.case_id is not None
        for button in (self.print_intake_button, self.print_summary_button):
            button.setEnabled(exists)
            button.setToolTip("" if exists else self.tr("Lưu vụ việc trước khi in."))
        if self.editable:
            self.add_step_button.setEnabled(exists)
            self.add_step_button.setToolTip(
                "" if exists else self.tr("Lưu vụ việc (bản nháp cũng được) trước khi ghi bước.")
            )
            state = self.detail.state if self.detail is not None else None
            if not exists:
                why = self.tr("Lưu vụ việc trước.")
            elif state == CaseState.DRAFT:
                why = self.tr("Phiếu tiếp nhận còn là bản nháp: hãy hoàn tất phiếu trước.")
            elif state == CaseState.CLOSED:
                why = self.tr("Vụ việc đã kết thúc.")
            else:
                why = ""
            self.close_button.setEnabled(not why)
            self.close_button.setToolTip(why)
            chosen = selected_row(self.steps_table)
            why = "" if chosen is not None else self.tr("Chọn một bước trong bảng.")
            self.remove_step_button.setEnabled(not why)
            self.remove_step_button.setToolTip(why)

    # -- loading --------------------------------------------------------------------------

    def reload(self) -> None:
        """Read the case (audited as a view)."""
        if self.case_id is None:
            return
        service, case_id = self._service, self.case_id
        run_op(self, lambda: service.get(case_id), success=self._loaded)

    def _loaded(self, detail: CaseDetail) -> None:
        self.detail = detail
        self.setWindowTitle(
            self.tr("Vụ việc số {n} — {s}").format(
                n=detail.case_no, s=self.tr(CASE_STATE_LABELS.get(detail.state, ""))
            )
        )
        if not self._dirty:
            self._fill(detail)
        self.clocks.set_clocks(detail.clocks)
        self.steps.set_rows(list(detail.steps))
        if detail.hidden:
            self.banner.setText(self.tr(HIDDEN_SENSITIVE_NOTE))
            self.banner.show()
        if detail.problems and detail.state == CaseState.DRAFT:
            self.summary.setText(
                "\n".join(
                    [self.tr("Bản nháp — còn thiếu để mở vụ việc:")]
                    + [f"• {p}" for p in detail.problems]
                )
            )
            self.summary.show()
        self._update_timeline_buttons()
        self._reload_consents()
        self.loaded.emit(detail)

    def _reload_consents(self) -> None:
        panel, case_id = self.consents, self.case_id
        if panel is None or case_id is None:
            return
        service = ConsentService(self._book)
        run_op(
            self,
            lambda: service.of_case(case_id),
            success=lambda rows: panel.set_case(case_id, rows),
        )

    def _consents_changed(self) -> None:
        self._reload_consents()
        self.changed.emit()

    def _fill(self, detail: CaseDetail) -> None:
        form = detail.form
        self.received_on.set_value(form.received_on)
        self.received_time.setText(
            form.received_time.strftime("%H:%M") if form.received_time else ""
        )
        self.channel_code.set_current_data(form.channel_code)
        self.hotline_ref.setText(form.hotline_ref)
        self.title_kind.set_current_data(form.title_kind)
        self.receiving_officer.setText(form.receiving_officer)
        names = {c.person_id: c.full_name for c in detail.children if c.person_id}
        self.children_editor.set_children(form.children, names)
        chosen = set(form.forms)
        self.forms.blockSignals(True)
        for i in range(self.forms.count()):
            item = self.forms.item(i)
            checked = item.data(Qt.ItemDataRole.UserRole) in chosen
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        self.forms.blockSignals(False)
        self.setting_code.set_current_data(form.setting_code)
        self.perpetrator_relation.setText(form.perpetrator_relation)
        self.child_in_danger.setChecked(form.child_in_danger)
        self.incident_date.set_value(form.incident_date)
        self.incident_place.setText(form.incident_place)
        self.current_condition.setPlainText(form.current_condition)
        self.likely_consequences.setPlainText(form.likely_consequences)
        self.help_given.setPlainText(form.help_given)
        self.father_info.setText(form.father_info)
        self.mother_info.setText(form.mother_info)
        self.family_circumstances.setPlainText(form.family_circumstances)
        self.current_carer.setText(form.current_carer)
        self.notes.setPlainText(form.notes)
        informant = detail.informant
        if informant is not None:
            self.informant_name.setText(informant.full_name)
            self.informant_phone.setText(informant.phone)
            self.informant_address.setText(informant.address)
            self.informant_relation.setText(informant.relation)
        self._dirty = False

    # -- values ---------------------------------------------------------------------------

    def collect(self) -> CaseForm:
        """The intake as typed (the informant only for roles that may see it)."""
        informant = None
        if self.show_informant:
            values = (
                self.informant_name.text().strip(),
                self.informant_phone.text().strip(),
                self.informant_address.text().strip(),
                self.informant_relation.text().strip(),
            )
            if any(values):
                informant = InformantForm(*values)
        elif self.detail is not None:
            informant = self.detail.form.informant
        forms = tuple(
            str(self.forms.item(i).data(Qt.ItemDataRole.UserRole))
            for i in range(self.forms.count())
            if self.forms.item(i).checkState() == Qt.CheckState.Checked
        )
        return CaseForm(
            received_on=self.received_on.value(),
            received_time=parse_time(self.received_time.text()),
            channel_code=str(self.channel_code.current_data() or ""),
            hotline_ref=self.hotline_ref.text(),
            title_kind=str(self.title_kind.current_data() or "abused"),
            children=tuple(self.children_editor.items),
            forms=forms,
            setting_code=str(self.setting_code.current_data() or ""),
            perpetrator_relation=self.perpetrator_relation.text(),
            child_in_danger=self.child_in_danger.isChecked(),
            incident_date=self.incident_date.value(),
            incident_place=self.incident_place.text(),
            current_condition=self.current_condition.toPlainText(),
            likely_consequences=self.likely_consequences.toPlainText(),
            father_info=self.father_info.text(),
            mother_info=self.mother_info.text(),
            family_circumstances=self.family_circumstances.toPlainText(),
            current_carer=self.current_carer.text(),
            help_given=self.help_given.toPlainText(),
            notes=self.notes.toPlainText(),
            receiving_officer=self.receiving_officer.text(),
            informant=informant,
            id=self.case_id,
        )

    def _local_problems(self) -> list[FieldProblem]:
        problems = []
        for name in ("received_on", "incident_date"):
            widget = self.fields[name]
            assert isinstance(widget, DateLineEdit)
            widget.check()
            if widget.problem:
                problems.append(FieldProblem(name, widget.problem))
        problem = time_problem(self.received_time.text(), self.tr("Giờ tiếp nhận"))
        if problem:
            problems.append(FieldProblem("received_time", problem))
        return problems

    # -- saving ---------------------------------------------------------------------------

    def save_draft(self) -> None:
        """Keep everything as typed (the clocks start from the reception time)."""
        self._save(submit=False)

    def submit(self) -> None:
        """Save, check and open the case; problems are shown at their fields."""
        self._save(submit=True)

    def _save(self, *, submit: bool) -> None:
        if self._busy or not self.editable:
            return
        local = self._local_problems()
        if local:
            self.show_problems(local, saved=False)
            return
        form = self.collect()
        service = self._service
        self._busy = True
        work = service.submit if submit else service.save_draft
        run_op(
            self,
            lambda: work(form),
            success=lambda saved: self._saved(saved, submit),
            failure=self._failed,
            label=self.tr("Đang lưu vụ việc…"),
        )

    def _saved(self, saved: CaseSaved, submitted: bool) -> None:
        self._busy = False
        self._dirty = False
        self.case_id = saved.id
        self.summary.hide()
        self.saved.emit(saved)
        self.changed.emit()
        if submitted:
            self.tabs.setCurrentIndex(0)
        self.reload()

    def _failed(self, exc: BaseException) -> None:
        self._busy = False
        if isinstance(exc, CaseNotReady):
            # submit kept the form as a draft: the case exists and its clocks run
            self._dirty = False
            self.case_id = exc.saved.id
            self.changed.emit()
            self.show_problems(exc.problems)
            self._update_timeline_buttons()
            service, case_id = self._service, exc.saved.id
            run_op(self, lambda: service.get(case_id), success=self._clocks_only)
            return
        if isinstance(exc, ValidationError):
            self.show_problems(exc.problems, saved=False)
            return
        messages.show_exception(self, exc)

    def _clocks_only(self, detail: CaseDetail) -> None:
        self.detail = detail
        self.setWindowTitle(
            self.tr("Vụ việc số {n} — {s}").format(
                n=detail.case_no, s=self.tr(CASE_STATE_LABELS.get(detail.state, ""))
            )
        )
        self.clocks.set_clocks(detail.clocks)
        self.steps.set_rows(list(detail.steps))
        self.loaded.emit(detail)

    def show_problems(self, problems: list[FieldProblem], *, saved: bool = True) -> None:
        """Each problem at its field; the first one's tab shown."""
        pages = {
            **dict.fromkeys(("received_on", "received_time", "channel_code", "hotline_ref"), 1),
            "children": 2,
            **dict.fromkeys(("forms", "incident_date", "setting_code"), 3),
        }
        for name, label in self.field_errors.items():
            label.show_message("")
            widget = self.fields.get(name)
            if widget is not None:
                set_invalid(widget, None)
        for problem in problems:
            found = self.field_errors.get(problem.field)
            if found is not None:
                text = problem.message
                if found.text():
                    text = f"{found.text()}\n{text}"
                found.show_message(text)
            widget = self.fields.get(problem.field)
            if widget is not None:
                set_invalid(widget, problem.message)
        self.summary.setText(
            "\n".join(
                [
                    self.tr("Đã lưu bản nháp, nhưng chưa mở được vụ việc. Hãy bổ sung:")
                    if saved
                    else self.tr("Chưa lưu được. Hãy sửa (mọi thứ đã nhập vẫn còn):")
                ]
                + [f"• {p.message}" for p in problems]
            )
        )
        self.summary.show()
        if problems:
            self.tabs.setCurrentIndex(pages.get(problems[0].field, 1))

    # -- steps and prints -----------------------------------------------------------------

    def open_step(self, kind: StepKind | None = None) -> StepDialog | None:
        """Record a step of the timeline (``kind`` chosen already, e.g. the closure)."""
        if self.case_id is None or not self.add_step_button.isEnabled():
            return None
        person_id = None
        if self.detail is not None:
            person_id = next((c.person_id for c in self.detail.children if c.person_id), None)
        dialog = StepDialog(self._book, self.case_id, person_id, parent=self)
        if kind is not None:
            dialog.kind.set_current_data(kind)
            dialog.mark_clean()
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.saved.connect(self._step_saved)
        self.step_dialog = dialog
        dialog.open()
        return dialog

    def _step_saved(self, _step_id: object) -> None:
        self.reload()
        self.changed.emit()

    def remove_step(self) -> RemoveDialog | None:
        """Remove the selected step, typed in error (removing the closure reopens the case)."""
        step = selected_row(self.steps_table)
        if step is None or not self.remove_step_button.isEnabled():
            return None
        service, step_id = self._service, step.id
        what = self.tr("{k}, lúc {t}").format(k=self.tr(step.kind_label), t=local_text(step.at))
        dialog = open_remove(
            self, what, lambda reason: service.remove_step(step_id, reason), self._step_removed
        )
        self.remove_dialog = dialog
        return dialog

    def _step_removed(self) -> None:
        self.reload()
        self.changed.emit()

    def _print(self, *, intake: bool) -> None:
        if self.case_id is None:
            return
        number = self.detail.case_no if self.detail is not None else ""
        print_case(self, self._book, self.case_id, number, intake=intake)

    # -- closing --------------------------------------------------------------------------

    def reject(self) -> None:
        """Ask before leaving unsaved typing (it can be kept as a draft)."""
        if self._busy:
            return
        if self._dirty and self.editable:
            box = QMessageBox(self)
            box.setIcon(QMessageBox.Icon.Warning)
            box.setWindowTitle(self.tr("Sổ Trẻ Em"))
            box.setText(self.tr("Những gì vừa nhập chưa được lưu."))
            keep = box.addButton(self.tr("Lưu nháp rồi đóng"), QMessageBox.ButtonRole.AcceptRole)
            drop = box.addButton(self.tr("Bỏ thay đổi"), QMessageBox.ButtonRole.DestructiveRole)
            box.addButton(self.tr("Tiếp tục nhập"), QMessageBox.ButtonRole.RejectRole)
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

            def answered(_r: int) -> None:
                if box.clickedButton() is keep:
                    self.saved.connect(lambda _s: self._close_now())
                    self.save_draft()
                elif box.clickedButton() is drop:
                    self._close_now()

            box.finished.connect(answered)
            self.close_box = box
            box.open()
            return
        super().reject()

    def _close_now(self) -> None:
        self._dirty = False
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        """The X button behaves like Đóng."""
        event.ignore()
        self.reject()


def _step_text(step: object) -> str:
    parts = [getattr(step, "description", "")]
    referral = getattr(step, "referral_to", "")
    if referral:
        parts.insert(0, tr("Chuyển: {t}").format(t=tr(REFERRAL_TARGETS.get(referral, referral))))
    outcome = getattr(step, "outcome_code", "")
    if outcome:
        parts.insert(0, tr("Kết quả: {o}").format(o=tr(CASE_OUTCOMES.get(outcome, outcome))))
    risk = getattr(step, "risk_level", "")
    if risk:
        parts.insert(0, tr("Mức nguy cơ: {r}").format(r=risk))
    return "; ".join(p for p in parts if p)


class StepDialog(FormDialog):
    """A step: written report, emergency, plan, assessment, action, referral (with consent),
    closure (with its outcome)."""

    def __init__(
        self,
        book: Book,
        case_id: str,
        person_id: str | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(self.tr("Ghi bước xử lý vụ việc"), parent, size=(640, 600))
        self._book = book
        self._case_id = case_id
        self._person_id = person_id
        self.kind = FoldingComboBox()
        self.kind.set_items([(self.tr(label), kind) for kind, label in STEP_LABELS.items()])
        now = clock.to_local(clock.now())
        self.at_date = DateLineEdit(label=self.tr("Ngày"))
        self.at_date.set_value(now.date())
        self.at_date.setMaximumWidth(140)
        self.at_time = QLineEdit(now.strftime("%H:%M"))
        self.at_time.setMaximumWidth(100)
        self.by = QLineEdit(book.user.full_name)
        self.description = text_edit(80)
        self.risk_level = FoldingComboBox()
        self.risk_level.set_items(
            [(self.tr("— chọn —"), ""), (self.tr("Cao"), "cao"),
             (self.tr("Trung bình"), "trung bình"), (self.tr("Thấp"), "thấp")]
        )  # fmt: skip
        self.referral_to = FoldingComboBox()
        self.referral_to.set_items(
            [(self.tr("— chọn nơi chuyển —"), "")]
            + [(self.tr(label), key) for key, label in REFERRAL_TARGETS.items()]
        )
        self.representative_name = QLineEdit()
        self.representative_name.setPlaceholderText(self.tr("cha, mẹ hoặc người chăm sóc"))
        self.representative_consented = QCheckBox(self.tr("Cha, mẹ hoặc người chăm sóc đồng ý"))
        self.child_consented = QCheckBox(self.tr("Trẻ (từ 7 tuổi) đồng ý"))
        self.consent_not_needed = QLineEdit()
        self.consent_not_needed.setPlaceholderText(
            self.tr("hoặc lý do không cần sự đồng ý (ví dụ: theo yêu cầu của cơ quan điều tra)")
        )
        self.outcome_code = FoldingComboBox()
        self.outcome_code.set_items(
            [(self.tr("— chọn kết quả —"), "")]
            + [(self.tr(label), key) for key, label in CASE_OUTCOMES.items()]
        )
        self.add_row(self.tr("Bước *:"), "kind", self.kind)
        self.add_row(self.tr("Ngày *:"), "at", self.at_date)
        self.add_row(self.tr("Giờ *:"), "at_time", self.at_time)
        self.add_row(self.tr("Người thực hiện:"), "by", self.by)
        self.add_row(self.tr("Nội dung:"), "description", self.description)
        self.add_row(self.tr("Mức nguy cơ:"), "risk_level", self.risk_level)
        self.add_row(self.tr("Chuyển đến:"), "referral_to", self.referral_to)
        self.add_row(self.tr("Người đại diện:"), "representative_name", self.representative_name)
        self.add_row("", "representative_consented", self.representative_consented)
        self.add_row("", "child_consented", self.child_consented)
        self.add_row(self.tr("Không cần đồng ý vì:"), "consent_not_needed", self.consent_not_needed)
        self.add_row(self.tr("Kết quả:"), "outcome_code", self.outcome_code)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self._kind_changed()
        self._dirty = False

    def _kind_changed(self, *_args: object) -> None:
        kind = self.kind.current_data()
        referral = kind == StepKind.REFERRAL
        for name in ("referral_to", "representative_name", "representative_consented",
                     "child_consented", "consent_not_needed"):  # fmt: skip
            self._set_row_visible(name, referral)
        self._set_row_visible("risk_level", kind == StepKind.ASSESSMENT)
        self._set_row_visible("outcome_code", kind == StepKind.CLOSURE)

    def _set_row_visible(self, name: str, visible: bool) -> None:
        box = self.fields[name].parentWidget()
        if box is not None:
            self.form.setRowVisible(box, visible)

    def at(self) -> datetime | None:
        """The step's moment (Vietnam time), or None."""
        day = self.at_date.value()
        moment = parse_time(self.at_time.text())
        if day is None or moment is None:
            return None
        return datetime.combine(day, moment, tzinfo=clock.VIETNAM)

    def save(self) -> None:
        """A readable time first."""
        problem = time_problem(self.at_time.text(), self.tr("Giờ"))
        if problem:
            self.show_problems([FieldProblem("at_time", problem), *self.unreadable_dates()])
            return
        super().save()

    def collect(self) -> tuple[CaseStepForm, ConsentForm | None]:
        """The step and, for a referral, its consent."""
        kind = StepKind(str(self.kind.current_data()))
        at = self.at()
        consent = None
        if kind == StepKind.REFERRAL and not self.consent_not_needed.text().strip():
            consent = ConsentForm(
                purpose="referral",
                given_on=at.date() if at is not None else None,
                person_id=self._person_id,
                case_id=self._case_id,
                scope=str(self.referral_to.currentText()),
                child_consented=self.child_consented.isChecked(),
                representative_name=self.representative_name.text(),
                representative_consented=self.representative_consented.isChecked(),
            )
        step = CaseStepForm(
            kind=kind,
            at=at,
            by=self.by.text(),
            description=self.description.toPlainText(),
            referral_to=str(self.referral_to.current_data() or ""),
            consent_not_needed=self.consent_not_needed.text(),
            risk_level=str(self.risk_level.current_data() or ""),
            outcome_code=str(self.outcome_code.current_data() or ""),
        )
        return step, consent

    def work(
        self, form: tuple[CaseStepForm, ConsentForm | None], confirm: bool
    ) -> Callable[[], object]:
        step, consent = form
        cases, consents, case_id = (
            CaseService(self._book),
            ConsentService(self._book),
            self._case_id,
        )

        def run() -> str:
            if consent is not None:
                consent_id = consents.record(consent)
                from dataclasses import replace

                return cases.add_step(case_id, replace(step, consent_id=consent_id))
            return cases.add_step(case_id, step)

        return run
