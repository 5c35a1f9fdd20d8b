"""Injuries and drownings; child labour and child marriage (ages 5–17) — lists and forms."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.core.domain.errors import FieldProblem
from desktop.core.domain.permissions import Action
from desktop.core.domain.population import SEX_LABELS
from desktop.core.services import codes
from desktop.core.services.book import Book
from desktop.core.services.protection import (
    DROWNING_CODE,
    INJURY_PLACES,
    InjuryFilter,
    InjuryForm,
    InjuryService,
    InjuryView,
    LabourForm,
    LabourService,
    LabourView,
    ListKind,
    MarriageForm,
    MarriageView,
)
from desktop.ui import messages
from desktop.ui.ops import run_op
from desktop.ui.protection.cases import parse_time, time_problem
from desktop.ui.protection.common import (
    ListModel,
    date_text,
    export_button,
    fill_codes,
    gate,
    make_table,
    selected_row,
    tr,
)
from desktop.ui.protection.form import FormDialog, int_or_none, text_edit
from desktop.ui.protection.picker import ChildPicker
from desktop.ui.protection.remove import RemoveDialog, open_remove
from desktop.ui.widgets import DateLineEdit, FoldingComboBox
from sync import clock

INJURY_COLUMNS = [
    ("Ngày", lambda r: date_text(r.occurred_on)),
    ("Họ và tên", lambda r: r.full_name if r.in_book else tr("{n} (ngoài sổ)").format(
        n=r.full_name)),
    ("Tuổi", lambda r: "" if r.age is None else str(r.age)),
    ("Thôn/Tổ", lambda r: r.hamlet_name),
    ("Nguyên nhân", lambda r: r.cause_name),
    ("Kết quả", lambda r: r.outcome_name),
    ("Nơi điều trị", lambda r: r.treatment_name),
    ("Nơi xảy ra", lambda r: r.place or tr(INJURY_PLACES.get(r.place_code, ""))),
]  # fmt: skip
LABOUR_COLUMNS = [
    ("Họ và tên", lambda r: r.full_name),
    ("Tuổi", lambda r: str(r.age)),
    ("Thôn/Tổ", lambda r: r.hamlet_name),
    ("Từ ngày", lambda r: date_text(r.start_date)),
    ("Đến ngày", lambda r: date_text(r.end_date) or tr("nay")),
    ("Công việc", lambda r: r.work),
    ("Nặng nhọc, độc hại", lambda r: tr("Có") if r.hazardous else ""),
    ("Xử lý", lambda r: r.action),
]
MARRIAGE_COLUMNS = [
    ("Họ và tên", lambda r: r.full_name),
    ("Tuổi khi kết hôn", lambda r: str(r.age)),
    ("Giới tính", lambda r: SEX_LABELS.get(r.sex, "")),
    ("Thôn/Tổ", lambda r: r.hamlet_name),
    ("Ngày", lambda r: date_text(r.marriage_date)),
    ("Người kia", lambda r: r.partner_name),
    ("Xử lý", lambda r: r.handling),
]


class InjuryDialog(FormDialog):
    """An injury or drowning: a child of the book, or a visiting child (name, age, sex)."""

    def __init__(
        self, book: Book, *, injury: InjuryView | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(
            self.tr("Ghi tai nạn, thương tích") if injury is None else self.tr("Sửa tai nạn"),
            parent,
            size=(660, 620),
        )
        self._book = book
        self._injury = injury
        self.visitor = QCheckBox(self.tr("Trẻ không có trong sổ (trẻ nơi khác đến)"))
        self.child = ChildPicker(book, population="all")
        self.visitor_name = QLineEdit()
        self.visitor_age = QSpinBox()
        self.visitor_age.setRange(0, 17)
        self.visitor_sex = FoldingComboBox()
        self.visitor_sex.set_items(
            [(self.tr("Không biết"), 3)] + [(label, code) for code, label in SEX_LABELS.items()]
        )
        self.occurred_on = DateLineEdit(label=self.tr("Ngày xảy ra"))
        self.occurred_on.setMaximumWidth(140)
        self.occurred_time = QLineEdit()
        self.occurred_time.setPlaceholderText(self.tr("giờ:phút (nếu biết)"))
        self.occurred_time.setMaximumWidth(130)
        self.cause_code = FoldingComboBox()
        fill_codes(self.cause_code, codes.injury_causes(), first=(self.tr("— chọn —"), ""))
        self.outcome_code = FoldingComboBox()
        fill_codes(self.outcome_code, codes.injury_outcomes(), first=(self.tr("— chọn —"), ""))
        self.treatment_code = FoldingComboBox()
        fill_codes(
            self.treatment_code, codes.treatment_levels(), first=(self.tr("— chưa rõ —"), "")
        )
        self.place_code = FoldingComboBox()
        self.place_code.set_items(
            [(self.tr("— chọn —"), "")] + [(self.tr(v), k) for k, v in INJURY_PLACES.items()]
        )
        self.place = QLineEdit()
        self.place.setPlaceholderText(self.tr("ví dụ: ao nhà ông A, thôn Đông"))
        self.note = text_edit()
        self.add_row("", "visitor", self.visitor)
        self.add_row(self.tr("Trẻ em *:"), "person_id", self.child)
        self.add_row(self.tr("Họ tên trẻ *:"), "visitor_name", self.visitor_name)
        self.add_row(self.tr("Tuổi:"), "visitor_age", self.visitor_age)
        self.add_row(self.tr("Giới tính:"), "visitor_sex", self.visitor_sex)
        self.add_row(self.tr("Ngày xảy ra *:"), "occurred_on", self.occurred_on)
        self.add_row(self.tr("Giờ:"), "occurred_time", self.occurred_time)
        self.add_row(
            self.tr("Nguyên nhân *:"),
            "cause_code",
            self.cause_code,
            hint=self.tr("Đuối nước là một nguyên nhân riêng (được thống kê riêng)."),
        )
        self.add_row(self.tr("Kết quả *:"), "outcome_code", self.outcome_code)
        self.add_row(self.tr("Nơi điều trị:"), "treatment_code", self.treatment_code)
        self.add_row(self.tr("Nơi xảy ra:"), "place_code", self.place_code)
        self.add_row(self.tr("Địa điểm cụ thể:"), "place", self.place)
        self.add_row(self.tr("Ghi chú:"), "note", self.note)
        self.visitor.toggled.connect(self._visitor_changed)
        self.child.chosen.connect(lambda _id: self.clear_problem("person_id"))
        if injury is not None:
            self.visitor.setChecked(not injury.in_book)
            if injury.in_book and injury.person_id:
                self.child.set_child(injury.person_id, injury.full_name)
            else:
                self.visitor_name.setText(injury.full_name)
                self.visitor_age.setValue(injury.age or 0)
                self.visitor_sex.set_current_data(injury.sex)
            self.occurred_on.set_value(injury.occurred_on)
            if injury.occurred_time is not None:
                self.occurred_time.setText(injury.occurred_time.strftime("%H:%M"))
            self.cause_code.set_current_data(injury.cause_code)
            self.outcome_code.set_current_data(injury.outcome_code)
            self.treatment_code.set_current_data(injury.treatment_code)
            self.place_code.set_current_data(injury.place_code)
            self.place.setText(injury.place)
            self.note.setPlainText(injury.note)
        else:
            self.occurred_on.set_value(clock.today())
        self._visitor_changed(self.visitor.isChecked())
        self._dirty = False

    def _visitor_changed(self, visitor: bool) -> None:
        for name in ("visitor_name", "visitor_age", "visitor_sex"):
            box = self.fields[name].parentWidget()
            if box is not None:
                self.form.setRowVisible(box, visitor)
        box = self.fields["person_id"].parentWidget()
        if box is not None:
            self.form.setRowVisible(box, not visitor)

    def save(self) -> None:
        """The child (or the visitor's name) and a readable time first."""
        problems = []
        if self.visitor.isChecked():
            if not self.visitor_name.text().strip():
                problems.append(FieldProblem("visitor_name", self.tr("Hãy nhập họ tên của trẻ.")))
        elif not self.child.person_id:
            problems.append(FieldProblem("person_id", self.tr("Hãy chọn trẻ em (gõ tên để tìm).")))
        problem = time_problem(self.occurred_time.text(), self.tr("Giờ"))
        if problem:
            problems.append(FieldProblem("occurred_time", problem))
        if problems:
            self.show_problems(problems + self.unreadable_dates())
            return
        super().save()

    def collect(self) -> InjuryForm:
        """The injury as typed."""
        visitor = self.visitor.isChecked()
        sex = self.visitor_sex.current_data()
        return InjuryForm(
            occurred_on=self.occurred_on.value(),
            cause_code=str(self.cause_code.current_data() or ""),
            outcome_code=str(self.outcome_code.current_data() or ""),
            treatment_code=str(self.treatment_code.current_data() or ""),
            occurred_time=parse_time(self.occurred_time.text()),
            person_id=None if visitor else self.child.person_id,
            visitor_name=self.visitor_name.text() if visitor else "",
            visitor_age=self.visitor_age.value() if visitor else None,
            visitor_sex=sex if visitor and isinstance(sex, int) else 3,
            place_code=str(self.place_code.current_data() or ""),
            place=self.place.text(),
            note=self.note.toPlainText(),
            id=self._injury.id if self._injury is not None else None,
        )

    def work(self, form: InjuryForm, confirm: bool) -> Callable[[], object]:
        service = InjuryService(self._book)
        return lambda: service.save(form)


class LabourDialog(FormDialog):
    """A child doing labour (5–17 years old)."""

    def __init__(
        self, book: Book, parent: QWidget | None = None, *, record: LabourView | None = None
    ) -> None:
        super().__init__(
            self.tr("Ghi trẻ em lao động") if record is None else self.tr("Sửa: trẻ em lao động"),
            parent,
        )
        self._book = book
        self._record = record
        self.child = ChildPicker(book, population="all")
        self.start_date = DateLineEdit(label=self.tr("Từ ngày"))
        self.end_date = DateLineEdit(label=self.tr("Đến ngày"))
        for field in (self.start_date, self.end_date):
            field.setMaximumWidth(140)
        self.work_text = QLineEdit()
        self.work_text.setPlaceholderText(self.tr("ví dụ: phụ hồ, bán hàng, làm rẫy thuê"))
        self.employer = QLineEdit()
        self.hours = QLineEdit()
        self.hours.setMaximumWidth(100)
        self.hazardous = QCheckBox(self.tr("Công việc nặng nhọc, độc hại, nguy hiểm"))
        self.action = QLineEdit()
        self.note = text_edit()
        self.add_row(self.tr("Trẻ em *:"), "person_id", self.child)
        self.add_row(self.tr("Từ ngày *:"), "start_date", self.start_date)
        self.add_row(self.tr("Đến ngày:"), "end_date", self.end_date)
        self.add_row(self.tr("Công việc:"), "work", self.work_text)
        self.add_row(self.tr("Người sử dụng lao động:"), "employer", self.employer)
        self.add_row(self.tr("Số giờ mỗi tuần:"), "hours_per_week", self.hours)
        self.add_row("", "hazardous", self.hazardous)
        self.add_row(self.tr("Đã xử lý, hỗ trợ:"), "action", self.action)
        self.add_row(self.tr("Ghi chú:"), "note", self.note)
        if record is not None:
            self.child.set_child(record.person_id, f"{record.full_name}, {record.hamlet_name}")
            self.start_date.set_value(record.start_date)
            self.end_date.set_value(record.end_date)
            self.work_text.setText(record.work)
            self.employer.setText(record.employer)
            if record.hours_per_week is not None:
                self.hours.setText(str(record.hours_per_week))
            self.hazardous.setChecked(record.hazardous)
            self.action.setText(record.action)
            self.note.setPlainText(record.note)
        self._dirty = False

    def save(self) -> None:
        """The child first."""
        if not self.child.person_id:
            problem = FieldProblem("person_id", self.tr("Hãy chọn trẻ em (gõ tên để tìm)."))
            self.show_problems([problem, *self.unreadable_dates()])
            return
        super().save()

    def collect(self) -> LabourForm:
        """The record as typed."""
        return LabourForm(
            person_id=self.child.person_id or "",
            start_date=self.start_date.value(),
            end_date=self.end_date.value(),
            work=self.work_text.text(),
            employer=self.employer.text(),
            hours_per_week=int_or_none(self.hours.text()),
            hazardous=self.hazardous.isChecked(),
            action=self.action.text(),
            note=self.note.toPlainText(),
            id=self._record.id if self._record is not None else None,
        )

    def work(self, form: LabourForm, confirm: bool) -> Callable[[], object]:
        service = LabourService(self._book)
        return lambda: service.save_labour(form, confirm=confirm)


class MarriageDialog(FormDialog):
    """A child marriage (a man under 20 or a woman under 18)."""

    def __init__(
        self, book: Book, parent: QWidget | None = None, *, record: MarriageView | None = None
    ) -> None:
        super().__init__(
            self.tr("Ghi trường hợp tảo hôn") if record is None else self.tr("Sửa: tảo hôn"),
            parent,
        )
        self._book = book
        self._record = record
        self.child = ChildPicker(book, population="all")
        self.marriage_date = DateLineEdit(label=self.tr("Ngày chung sống, kết hôn"))
        self.marriage_date.setMaximumWidth(140)
        self.partner_name = QLineEdit()
        self.partner_birth_date = DateLineEdit(label=self.tr("Ngày sinh của người kia"))
        self.partner_birth_date.setMaximumWidth(140)
        self.partner_sex = FoldingComboBox()
        self.partner_sex.set_items(
            [(self.tr("Không biết"), 3)] + [(label, code) for code, label in SEX_LABELS.items()]
        )
        self.registered = QCheckBox(self.tr("Đã đăng ký kết hôn"))
        self.handling = QLineEdit()
        self.handling.setPlaceholderText(self.tr("ví dụ: xử phạt theo NĐ 82/2020, Điều 58"))
        self.support = QLineEdit()
        self.note = text_edit()
        self.add_row(self.tr("Trẻ em *:"), "person_id", self.child)
        self.add_row(self.tr("Ngày *:"), "marriage_date", self.marriage_date)
        self.add_row(self.tr("Người kia:"), "partner_name", self.partner_name)
        self.add_row(self.tr("Ngày sinh người kia:"), "partner_birth_date", self.partner_birth_date)
        self.add_row(self.tr("Giới tính người kia:"), "partner_sex", self.partner_sex)
        self.add_row("", "registered", self.registered)
        self.add_row(self.tr("Xử lý:"), "handling", self.handling)
        self.add_row(self.tr("Hỗ trợ:"), "support", self.support)
        self.add_row(self.tr("Ghi chú:"), "note", self.note)
        if record is not None:
            self.child.set_child(record.person_id, f"{record.full_name}, {record.hamlet_name}")
            self.marriage_date.set_value(record.marriage_date)
            self.partner_name.setText(record.partner_name)
            self.partner_birth_date.set_value(record.partner_birth_date)
            self.partner_sex.set_current_data(record.partner_sex)
            self.registered.setChecked(record.registered)
            self.handling.setText(record.handling)
            self.support.setText(record.support)
            self.note.setPlainText(record.note)
        self._dirty = False

    def save(self) -> None:
        """The child first."""
        if not self.child.person_id:
            problem = FieldProblem("person_id", self.tr("Hãy chọn trẻ em (gõ tên để tìm)."))
            self.show_problems([problem, *self.unreadable_dates()])
            return
        super().save()

    def collect(self) -> MarriageForm:
        """The record as typed."""
        sex = self.partner_sex.current_data()
        return MarriageForm(
            person_id=self.child.person_id or "",
            marriage_date=self.marriage_date.value(),
            partner_name=self.partner_name.text(),
            partner_birth_date=self.partner_birth_date.value(),
            partner_sex=sex if isinstance(sex, int) else 3,
            registered=self.registered.isChecked(),
            handling=self.handling.text(),
            support=self.support.text(),
            note=self.note.toPlainText(),
            partner_person_id=self._record.partner_person_id if self._record else None,
            id=self._record.id if self._record is not None else None,
        )

    def work(self, form: MarriageForm, confirm: bool) -> Callable[[], object]:
        service = LabourService(self._book)
        return lambda: service.save_marriage(form)


def _year_combo() -> FoldingComboBox:
    combo = FoldingComboBox()
    year = clock.today().year
    combo.set_items([(str(y), y) for y in range(year, year - 6, -1)] + [(tr("Mọi năm"), None)])
    return combo


class InjuriesView(QWidget):
    """Injuries and drownings of a year, filtered by cause."""

    loaded = Signal(int)

    def __init__(self, book: Book, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._book = book
        self._service = InjuryService(book)
        self.dialog: QWidget | None = None
        self.year = _year_combo()
        self.cause = FoldingComboBox()
        fill_codes(self.cause, codes.injury_causes(), first=(self.tr("Mọi nguyên nhân"), None))
        self.drowning_only = QCheckBox(self.tr("Chỉ đuối nước"))
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("Năm:")))
        top.addWidget(self.year)
        top.addWidget(self.cause, 1)
        top.addWidget(self.drowning_only)
        self.counts = QLabel()
        self.counts.setObjectName("sectionTitle")
        self.model = ListModel(
            [(tr(h), f) for h, f in INJURY_COLUMNS],
            self,
            colour=lambda r: "#b71c1c" if r.outcome_code == "KQ01" else None,
        )
        self.table = make_table(self.model, (90, 190, 50, 110, 140, 120, 150))
        self.add_button = QPushButton(self.tr("Ghi tai nạn, thương tích…"))
        self.add_button.setObjectName("primary")
        self.edit_button = QPushButton(self.tr("Sửa…"))
        self.remove_button = QPushButton(self.tr("Xóa…"))
        for button in (self.add_button, self.edit_button, self.remove_button):
            gate(button, book.user, Action.EDIT_PROTECTION)
        self.export_button = export_button(
            self, book, ListKind.INJURIES, "tai-nan-thuong-tich.xlsx"
        )
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.edit_button)
        buttons.addWidget(self.remove_button)
        buttons.addWidget(self.export_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.counts)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.year.currentIndexChanged.connect(lambda _i: self.refresh())
        self.cause.currentIndexChanged.connect(lambda _i: self.refresh())
        self.drowning_only.toggled.connect(lambda _c: self.refresh())
        self.add_button.clicked.connect(lambda: self.open_form(None))
        self.edit_button.clicked.connect(self._edit_selected)
        self.remove_button.clicked.connect(self.remove_selected)
        self.table.activated.connect(lambda _i: self._edit_selected())

    def showEvent(self, event: QShowEvent) -> None:
        """Shown: read again."""
        super().showEvent(event)
        self.refresh()

    def remove_selected(self) -> RemoveDialog | None:
        """Remove the selected injury, typed in error (a reason is asked)."""
        row = selected_row(self.table)
        if row is None:
            messages.show_message(self, self.tr("Hãy chọn một dòng trong danh sách."))
            return None
        service, injury_id = self._service, row.id
        what = self.tr("{c}, ngày {d} — {n}").format(
            c=row.cause_name, d=date_text(row.occurred_on), n=row.full_name
        )
        dialog = open_remove(
            self, what, lambda reason: service.remove(injury_id, reason), self.refresh
        )
        self.dialog = dialog
        return dialog

    def refresh(self) -> None:
        """The list (background)."""
        year = self.year.current_data()
        cause = self.cause.current_data()
        filters = InjuryFilter(
            year=year if isinstance(year, int) else None,
            cause_code=cause if isinstance(cause, str) and cause else None,
            drowning_only=self.drowning_only.isChecked(),
        )
        service = self._service
        run_op(self, lambda: service.list(filters), success=self._loaded)

    def _loaded(self, rows: tuple[InjuryView, ...]) -> None:
        self.model.set_rows(list(rows))
        drowned = sum(1 for r in rows if r.cause_code == DROWNING_CODE)
        deaths = sum(1 for r in rows if r.outcome_code == "KQ01")
        self.counts.setText(
            self.tr("{n} trường hợp; đuối nước: {d}; tử vong: {k}").format(
                n=len(rows), d=drowned, k=deaths
            )
        )
        self.loaded.emit(len(rows))

    def _edit_selected(self) -> None:
        row = selected_row(self.table)
        if row is not None and self.edit_button.isEnabled():
            self.open_form(row)

    def open_form(self, injury: InjuryView | None) -> InjuryDialog:
        """The injury form (new or ``injury``)."""
        dialog = InjuryDialog(self._book, injury=injury, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.saved.connect(lambda _id: self.refresh())
        self.dialog = dialog
        dialog.open()
        return dialog


class LabourMarriageView(QWidget):
    """Child labour and child marriage records of a year."""

    loaded = Signal()

    def __init__(self, book: Book, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._book = book
        self._service = LabourService(book)
        self.dialog: QWidget | None = None
        self.year = _year_combo()
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("Năm:")))
        top.addWidget(self.year)
        note = QLabel(self.tr("Theo dõi trẻ từ 5 đến 17 tuổi (kể cả trẻ 16, 17 tuổi)."))
        note.setObjectName("hintLabel")
        top.addWidget(note, 1)
        self.labour = ListModel([(tr(h), f) for h, f in LABOUR_COLUMNS], self)
        self.marriage = ListModel([(tr(h), f) for h, f in MARRIAGE_COLUMNS], self)
        self.labour_table = make_table(self.labour, (190, 50, 110, 90, 90, 170, 120))
        self.marriage_table = make_table(self.marriage, (190, 110, 70, 110, 90, 170))
        self.labour_button = QPushButton(self.tr("Ghi trẻ em lao động…"))
        self.marriage_button = QPushButton(self.tr("Ghi tảo hôn…"))
        self.edit_labour = QPushButton(self.tr("Sửa…"))
        self.remove_labour = QPushButton(self.tr("Xóa…"))
        self.edit_marriage = QPushButton(self.tr("Sửa…"))
        self.remove_marriage = QPushButton(self.tr("Xóa…"))
        for button in (
            self.labour_button, self.marriage_button, self.edit_labour, self.remove_labour,
            self.edit_marriage, self.remove_marriage,
        ):  # fmt: skip
            gate(button, book.user, Action.EDIT_PROTECTION)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.addLayout(top)
        for title, table, buttons in (
            (self.tr("Trẻ em lao động"), self.labour_table,
             (self.labour_button, self.edit_labour, self.remove_labour)),
            (self.tr("Tảo hôn"), self.marriage_table,
             (self.marriage_button, self.edit_marriage, self.remove_marriage)),
        ):  # fmt: skip
            heading = QLabel(title)
            heading.setObjectName("sectionTitle")
            line = QHBoxLayout()
            line.addWidget(heading)
            line.addStretch(1)
            for button in buttons:
                line.addWidget(button)
            layout.addLayout(line)
            layout.addWidget(table, 1)
        self.year.currentIndexChanged.connect(lambda _i: self.refresh())
        self.labour_button.clicked.connect(lambda: self._open(LabourDialog(self._book, self)))
        self.marriage_button.clicked.connect(lambda: self._open(MarriageDialog(self._book, self)))
        self.edit_labour.clicked.connect(self.edit_selected_labour)
        self.labour_table.activated.connect(lambda _i: self.edit_selected_labour())
        self.edit_marriage.clicked.connect(self.edit_selected_marriage)
        self.marriage_table.activated.connect(lambda _i: self.edit_selected_marriage())
        self.remove_labour.clicked.connect(self.remove_selected_labour)
        self.remove_marriage.clicked.connect(self.remove_selected_marriage)

    def _chosen(self, table: QTableView, button: QPushButton) -> Any | None:
        row = selected_row(table)
        if row is None:
            if button.isEnabled():
                messages.show_message(self, self.tr("Hãy chọn một dòng trong danh sách."))
            return None
        return row if button.isEnabled() else None

    def edit_selected_labour(self) -> FormDialog | None:
        """The selected labour record in its form."""
        row = self._chosen(self.labour_table, self.edit_labour)
        if row is None:
            return None
        return self._open(LabourDialog(self._book, self, record=row))

    def edit_selected_marriage(self) -> FormDialog | None:
        """The selected marriage record in its form."""
        row = self._chosen(self.marriage_table, self.edit_marriage)
        if row is None:
            return None
        return self._open(MarriageDialog(self._book, self, record=row))

    def remove_selected_labour(self) -> RemoveDialog | None:
        """Remove the selected labour record, typed in error."""
        return self._remove_chosen(
            self.labour_table,
            self.remove_labour,
            lambda r: self.tr("Lao động trẻ em: {n}, từ {d}").format(
                n=r.full_name, d=date_text(r.start_date)
            ),
            self._service.remove_labour,
        )

    def remove_selected_marriage(self) -> RemoveDialog | None:
        """Remove the selected marriage record, typed in error."""
        return self._remove_chosen(
            self.marriage_table,
            self.remove_marriage,
            lambda r: self.tr("Tảo hôn: {n}, ngày {d}").format(
                n=r.full_name, d=date_text(r.marriage_date)
            ),
            self._service.remove_marriage,
        )

    def _remove_chosen(
        self,
        table: QTableView,
        button: QPushButton,
        what: Callable[[Any], str],
        remove: Callable[[str, str], object],
    ) -> RemoveDialog | None:
        row = self._chosen(table, button)
        if row is None:
            return None
        record_id = row.id
        dialog = open_remove(
            self, what(row), lambda reason: remove(record_id, reason), self.refresh
        )
        self.dialog = dialog
        return dialog

    def showEvent(self, event: QShowEvent) -> None:
        """Shown: read again."""
        super().showEvent(event)
        self.refresh()

    def refresh(self) -> None:
        """Both lists (background)."""
        year = self.year.current_data()
        chosen = year if isinstance(year, int) else None
        service = self._service
        run_op(
            self,
            lambda: (service.labour_list(chosen), service.marriage_list(chosen)),
            success=self._loaded,
        )

    def _loaded(self, found: tuple[tuple[LabourView, ...], tuple[MarriageView, ...]]) -> None:
        labour, marriage = found
        self.labour.set_rows(list(labour))
        self.marriage.set_rows(list(marriage))
        self.loaded.emit()

    def _open(self, dialog: FormDialog) -> FormDialog:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.saved.connect(lambda _id: self.refresh())
        self.dialog = dialog
        dialog.open()
        return dialog
