"""The full record of one child (or adult member): every field, checked while typing.

Two uses: opened from the children list or the profile it saves the record itself; opened
from a row of the household form (``embed=True``) it hands the edited form back to the row,
and the household is saved as a whole.
"""

from __future__ import annotations

import dataclasses
from datetime import date

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QRegularExpressionValidator, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.core.domain.child_rules import free_card_end
from desktop.core.domain.errors import FieldProblem, ValidationError
from desktop.core.domain.permissions import Action
from desktop.core.domain.population import SEX_LABELS
from desktop.core.services import codes
from desktop.core.services.book import Book
from desktop.core.services.children import (
    ENTRY_EVENTS,
    ChildForm,
    ChildService,
    EntryCheck,
    NeedsConfirmation,
)
from desktop.ui import messages
from desktop.ui.children.confirm import ConfirmWarningsDialog
from desktop.ui.children.guardians import GuardiansEditor
from desktop.ui.ops import run_op
from desktop.ui.screen import resize_to_fit
from desktop.ui.widgets import DateLineEdit, ErrorLabel, FoldingComboBox, set_invalid
from sync import clock

CHECK_DELAY_MS = 400
GENERAL_FIELDS = (
    "full_name", "birth_date", "sex", "ethnicity_code", "relation_code", "residence_code",
    "id_number", "id_check_override", "notes", "entry_event", "entry_place",
)  # fmt: skip
PAPERS_FIELDS = (
    "birth_registered", "birth_registration_date", "birth_registration_place",
    "insurance_number", "insurance_valid_until",
)  # fmt: skip
SCHOOL_FIELDS = (
    "schooling_code", "school_name", "school_class", "disability_code",
    "disability_severity_code",
)  # fmt: skip
LINE_FIELDS = (
    "full_name", "id_number", "id_check_override", "notes", "entry_place",
    "birth_registration_place", "insurance_number", "school_name", "school_class",
)  # fmt: skip
DATE_FIELDS = ("birth_date", "birth_registration_date", "insurance_valid_until")
COMBO_FIELDS = (
    "sex", "ethnicity_code", "relation_code", "residence_code", "birth_registered",
    "schooling_code", "disability_code", "disability_severity_code", "entry_event",
)  # fmt: skip
# Which tab holds each field (for showing a problem).
TAB_OF = {
    **dict.fromkeys(GENERAL_FIELDS, 0),
    **dict.fromkeys(PAPERS_FIELDS, 1),
    **dict.fromkeys(SCHOOL_FIELDS, 2),
    "guardians": 3,
}


class ChildDialog(QDialog):
    """The child's full record. Emits ``saved(id)``, or ``form_ready(ChildForm)`` if embedded."""

    saved = Signal(str)
    form_ready = Signal(object)
    checked = Signal()  # after each background check (tests wait on it)

    def __init__(
        self,
        book: Book,
        form: ChildForm | None,
        *,
        household_id: str | None,
        embed: bool = False,
        today: date | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._service = ChildService(book)
        self._household_id = household_id
        self._embed = embed
        self._today = today or clock.today()
        self._form = form
        self._busy = False
        self._dirty = False
        user = book.user
        self.show_personal = user.may(Action.VIEW_PERSONAL)
        self.show_sensitive = user.may(Action.VIEW_SENSITIVE)
        reason = form.read_only_reason if form is not None else ""
        self.editable = user.may(Action.EDIT_BOOK) and not reason
        if form is None:
            title = self.tr("Thêm trẻ em / thành viên")
        elif self.editable:
            title = self.tr("Hồ sơ của {name}").format(name=form.full_name)
        else:
            title = self.tr("Xem hồ sơ của {name}").format(name=form.full_name)
        self.setWindowTitle(title)

        # -- fields --
        self.full_name = QLineEdit()
        self.full_name.setPlaceholderText(self.tr("Họ và tên (trẻ chưa đặt tên: Trai / Gái)"))
        self.birth_date = DateLineEdit(label=self.tr("Ngày sinh"), birth_date=True, today=today)
        self.birth_date_estimated = QCheckBox(self.tr("Ngày sinh ước tính"))
        self.sex = FoldingComboBox()
        self.sex.set_items([(self.tr("— chọn —"), 0)] + [(v, k) for k, v in SEX_LABELS.items()])
        self.ethnicity_code = FoldingComboBox()
        self.ethnicity_code.set_items([(c.name, c.code) for c in codes.ethnic_groups()])
        self.relation_code = FoldingComboBox()
        self.relation_code.set_items(
            [(self.tr("— chưa ghi —"), None)]
            + [(c.name, c.code) for c in codes.household_relations()]
        )
        self.residence_code = FoldingComboBox()
        self.residence_code.set_items([(c.name, c.code) for c in codes.residence_statuses()])
        self.id_number = QLineEdit()
        self.id_number.setPlaceholderText(self.tr("12 chữ số (nếu có)"))
        self.id_number.setValidator(QRegularExpressionValidator(r"[0-9 ]{0,15}", self.id_number))
        self.id_check_override = QLineEdit()
        self.id_check_override.setPlaceholderText(
            self.tr("Nếu số định danh lệch với ngày sinh/giới tính mà vẫn đúng: ghi lý do")
        )
        self.notes = QLineEdit()
        self.entry_event = FoldingComboBox()
        self.entry_event.set_items(
            [(self.tr("Nhập từ sổ, danh sách đang có"), None)]
            + [(self.tr(label), code) for code, label in ENTRY_EVENTS.items()]
        )
        self.entry_place = QLineEdit()
        self.entry_place.setPlaceholderText(self.tr("chuyển đến từ đâu"))
        self.birth_registered = FoldingComboBox()
        self.birth_registered.set_items(
            [(self.tr("Chưa rõ"), None), (self.tr("Đã đăng ký"), True),
             (self.tr("Chưa đăng ký"), False)]
        )  # fmt: skip
        self.birth_registration_date = DateLineEdit(label=self.tr("Ngày đăng ký khai sinh"))
        self.birth_registration_place = QLineEdit()
        self.birth_registration_place.setPlaceholderText(self.tr("ví dụ: UBND xã Hoàng Kim"))
        self.insurance_number = QLineEdit()
        self.insurance_number.setPlaceholderText(self.tr("mã số BHXH 10 số hoặc số in trên thẻ"))
        self.insurance_valid_until = DateLineEdit(label=self.tr("Hạn thẻ BHYT"))
        self.free_card_button = QPushButton(self.tr("Thẻ dưới 6 tuổi: đến trước sinh nhật 6 tuổi"))
        self.free_card_button.setAutoDefault(False)
        self.schooling_code = FoldingComboBox()
        self.schooling_code.set_items(
            [(self.tr("— chưa ghi —"), None)] + [(c.name, c.code) for c in codes.schooling_levels()]
        )
        self.school_name = QLineEdit()
        self.school_class = QLineEdit()
        self.school_class.setMaximumWidth(120)
        self.disability_code = FoldingComboBox()
        self.disability_code.set_items(
            [(self.tr("Không khuyết tật"), None)]
            + [(c.name, c.code) for c in codes.disability_types()]
        )
        self.disability_severity_code = FoldingComboBox()
        self.disability_severity_code.set_items(
            [(self.tr("— chưa ghi —"), None)]
            + [(c.name, c.code) for c in codes.disability_severities()]
        )
        self.field_errors: dict[str, ErrorLabel] = {}

        def form_layout(rows: list[tuple[str, str | QWidget]]) -> QWidget:
            page = QWidget()
            layout = QFormLayout(page)
            layout.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
            for caption, field in rows:
                widget = getattr(self, field) if isinstance(field, str) else field
                box = QWidget()
                inner = QVBoxLayout(box)
                inner.setContentsMargins(0, 0, 0, 0)
                inner.setSpacing(1)
                inner.addWidget(widget)
                if isinstance(field, str):
                    self.field_errors[field] = ErrorLabel()
                    inner.addWidget(self.field_errors[field])
                label = QLabel(caption)
                label.setBuddy(widget)
                layout.addRow(label, box)
            return page

        birth_line = QWidget()
        birth_layout = QHBoxLayout(birth_line)
        birth_layout.setContentsMargins(0, 0, 0, 0)
        birth_layout.addWidget(self.birth_date)
        birth_layout.addWidget(self.birth_date_estimated)
        birth_layout.addStretch(1)
        self.birth_date.setFixedWidth(130)
        general = form_layout(
            [
                (self.tr("Họ và tên *:"), "full_name"),
                (self.tr("Ngày sinh *:"), birth_line),
                (self.tr("Giới tính *:"), "sex"),
                (self.tr("Dân tộc *:"), "ethnicity_code"),
                (self.tr("Quan hệ với chủ hộ:"), "relation_code"),
                (self.tr("Cư trú:"), "residence_code"),
                (self.tr("Số định danh:"), "id_number"),
                (self.tr("Lý do giữ số định danh:"), "id_check_override"),
                (self.tr("Ghi chú:"), "notes"),
            ]
        )
        self.field_errors["birth_date"] = ErrorLabel()
        general_layout = general.layout()
        assert isinstance(general_layout, QFormLayout)
        general_layout.insertRow(2, "", self.field_errors["birth_date"])
        self.entry_box = form_layout(
            [(self.tr("Vào sổ do:"), "entry_event"), (self.tr("Chuyển đến từ:"), "entry_place")]
        )
        general_layout.addRow(self.entry_box)
        card_line = QWidget()
        card_layout = QHBoxLayout(card_line)
        card_layout.setContentsMargins(0, 0, 0, 0)
        card_layout.addWidget(self.insurance_valid_until)
        card_layout.addWidget(self.free_card_button)
        card_layout.addStretch(1)
        self.insurance_valid_until.setFixedWidth(130)
        self.birth_registration_date.setMaximumWidth(130)
        papers = form_layout(
            [
                (self.tr("Đăng ký khai sinh:"), "birth_registered"),
                (self.tr("Ngày đăng ký:"), "birth_registration_date"),
                (self.tr("Nơi đăng ký:"), "birth_registration_place"),
                (self.tr("Số thẻ BHYT:"), "insurance_number"),
                (self.tr("Hạn thẻ đến:"), card_line),
            ]
        )
        self.field_errors["insurance_valid_until"] = ErrorLabel()
        papers_layout = papers.layout()
        assert isinstance(papers_layout, QFormLayout)
        papers_layout.addRow("", self.field_errors["insurance_valid_until"])
        school_rows: list[tuple[str, str | QWidget]] = [
            (self.tr("Học tập:"), "schooling_code"),
            (self.tr("Trường:"), "school_name"),
            (self.tr("Lớp:"), "school_class"),
        ]
        if self.show_sensitive:
            school_rows += [
                (self.tr("Khuyết tật:"), "disability_code"),
                (self.tr("Mức độ:"), "disability_severity_code"),
            ]
        schooling = form_layout(school_rows)
        self.guardians = GuardiansEditor(
            form.guardians or [] if form is not None else [],
            editable=self.editable,
            show_phone=self.show_personal,
        )
        self.tabs = QTabWidget()
        self.tabs.addTab(general, self.tr("Thông tin chung"))
        self.tabs.addTab(papers, self.tr("Khai sinh, thẻ BHYT"))
        self.tabs.addTab(
            schooling,
            self.tr("Học tập, khuyết tật") if self.show_sensitive else self.tr("Học tập"),
        )
        self.tabs.addTab(self.guardians, self.tr("Cha mẹ, người giám hộ"))

        self.banner = QLabel(reason)
        self.banner.setObjectName("calmLabel")
        self.banner.setWordWrap(True)
        self.banner.setVisible(bool(reason))
        self.checks = QLabel()
        self.checks.setObjectName("problemSummary")
        self.checks.setWordWrap(True)
        self.checks.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.checks.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.save_button = self.buttons.addButton(
            self.tr("Cập nhật vào dòng") if embed else self.tr("Lưu (Ctrl+S)"),
            QDialogButtonBox.ButtonRole.AcceptRole,
        )
        self.save_button.setObjectName("primary")
        for button in self.buttons.buttons():
            if isinstance(button, QPushButton):
                button.setAutoDefault(False)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.checks)
        layout.addWidget(self.buttons)

        self._load(form)
        if not self.show_personal:
            for name in ("id_number", "id_check_override", "insurance_number"):
                widget = getattr(self, name)
                widget.setEnabled(False)
                widget.setPlaceholderText(self.tr("(ẩn với tài khoản này)"))
        if not self.editable:
            self._make_read_only()

        self._check_timer = QTimer(self)
        self._check_timer.setSingleShot(True)
        self._check_timer.setInterval(CHECK_DELAY_MS)
        self._check_timer.timeout.connect(self.check_now)
        self._checking = 0
        for name in LINE_FIELDS:
            getattr(self, name).textEdited.connect(lambda _t, f=name: self._edited(f))
        for name in DATE_FIELDS:
            getattr(self, name).textEdited.connect(lambda _t, f=name: self._edited(f))
        for name in COMBO_FIELDS:
            getattr(self, name).currentIndexChanged.connect(lambda _i, f=name: self._edited(f))
        self.birth_date_estimated.toggled.connect(lambda _c: self._edited("birth_date"))
        self.guardians.changed.connect(lambda: self._edited("guardians"))
        self.entry_event.currentIndexChanged.connect(self._show_entry_place)
        self.free_card_button.clicked.connect(self._fill_free_card)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        QShortcut(QKeySequence.StandardKey.Save, self, self.save)
        QShortcut(QKeySequence("Ctrl+Return"), self, self.save)
        resize_to_fit(self, 820, 620)
        self.full_name.setFocus()

    # -- loading --------------------------------------------------------------------------

    def _load(self, form: ChildForm | None) -> None:
        if form is None:
            self.relation_code.set_current_data("QH03")
            self.residence_code.set_current_data("CU01")
            self.ethnicity_code.set_current_data("01")
        else:
            self.full_name.setText(form.full_name)
            self.birth_date.set_value(form.birth_date)
            self.birth_date_estimated.setChecked(form.birth_date_estimated)
            self.sex.set_current_data(form.sex)
            self.ethnicity_code.set_current_data(form.ethnicity_code)
            self.relation_code.set_current_data(form.relation_code)
            self.residence_code.set_current_data(form.residence_code)
            self.id_number.setText(form.id_number)
            self.id_check_override.setText(form.id_check_override)
            self.notes.setText(form.notes)
            self.birth_registered.set_current_data(form.birth_registered)
            self.birth_registration_date.set_value(form.birth_registration_date)
            self.birth_registration_place.setText(form.birth_registration_place)
            self.insurance_number.setText(form.insurance_number)
            self.insurance_valid_until.set_value(form.insurance_valid_until)
            self.schooling_code.set_current_data(form.schooling_code)
            self.school_name.setText(form.school_name)
            self.school_class.setText(form.school_class)
            self.disability_code.set_current_data(form.disability_code)
            self.disability_severity_code.set_current_data(form.disability_severity_code)
            self.entry_event.set_current_data(form.entry_event)
            self.entry_place.setText(form.entry_place)
        new = form is None or form.id is None
        self.entry_box.setVisible(new)
        self._show_entry_place()
        self._dirty = False

    def _show_entry_place(self, *_args: object) -> None:
        self.entry_place.setEnabled(self.entry_event.current_data() == "BD02")

    def _make_read_only(self) -> None:
        for name in LINE_FIELDS + DATE_FIELDS:
            getattr(self, name).setReadOnly(True)
        for name in COMBO_FIELDS:
            getattr(self, name).setEnabled(False)
        self.birth_date_estimated.setEnabled(False)
        self.free_card_button.hide()
        self.save_button.hide()
        for button in self.buttons.buttons():
            if button is not self.save_button:
                button.setText(self.tr("Đóng"))

    def _fill_free_card(self) -> None:
        born = self.birth_date.value()
        if born is None:
            self.field_errors["insurance_valid_until"].show_message(
                self.tr("Nhập ngày sinh trước để tính hạn thẻ.")
            )
            return
        self.insurance_valid_until.set_value(free_card_end(born))
        self._edited("insurance_valid_until")

    # -- values ---------------------------------------------------------------------------

    def collect(self) -> ChildForm:
        """The ChildForm with everything typed (fields not shown keep their values)."""
        sex = self.sex.current_data()
        values: dict[str, object] = {
            "full_name": self.full_name.text(),
            "birth_date": self.birth_date.value(),
            "birth_date_estimated": self.birth_date_estimated.isChecked(),
            "sex": sex if isinstance(sex, int) else 0,
            "ethnicity_code": self.ethnicity_code.current_data() or "",
            "relation_code": self.relation_code.current_data(),
            "residence_code": self.residence_code.current_data() or "CU01",
            "notes": self.notes.text(),
            "birth_registered": self.birth_registered.current_data(),
            "birth_registration_date": self.birth_registration_date.value(),
            "birth_registration_place": self.birth_registration_place.text(),
            "insurance_valid_until": self.insurance_valid_until.value(),
            "schooling_code": self.schooling_code.current_data(),
            "school_name": self.school_name.text(),
            "school_class": self.school_class.text(),
            "guardians": self.guardians.forms(),
            "entry_event": self.entry_event.current_data(),
            "entry_place": self.entry_place.text(),
        }
        if self.show_personal:
            values["id_number"] = self.id_number.text().replace(" ", "")
            values["id_check_override"] = self.id_check_override.text()
            values["insurance_number"] = self.insurance_number.text()
        if self.show_sensitive:
            values["disability_code"] = self.disability_code.current_data()
            values["disability_severity_code"] = self.disability_severity_code.current_data()
        if self._form is not None:
            return dataclasses.replace(self._form, **values)  # type: ignore[arg-type]
        base = ChildForm(full_name="", birth_date=None, sex=0)
        return dataclasses.replace(base, **values)  # type: ignore[arg-type]

    def _unreadable_dates(self) -> list[FieldProblem]:
        problems = []
        for name in DATE_FIELDS:
            widget: DateLineEdit = getattr(self, name)
            widget.check()
            if widget.problem:
                problems.append(FieldProblem(name, widget.problem))
        return problems

    # -- live checks ----------------------------------------------------------------------

    def _edited(self, field: str) -> None:
        self._dirty = True
        label = self.field_errors.get(field)
        if label is not None and label.text():
            label.show_message("")
            set_invalid(getattr(self, field), None)
        if self.editable:
            self._check_timer.start()

    def check_now(self) -> None:
        """Check what is typed in the background (problems, warnings, possible duplicates)."""
        self._check_timer.stop()
        form = self.collect()
        if form.birth_date is None and not form.full_name.strip():
            return
        self._checking += 1
        ticket = self._checking
        service, household, today = self._service, self._household_id, self._today
        run_op(
            self,
            lambda: service.check_entry(form, household, today),
            success=lambda found: self._checked(ticket, found),
            failure=lambda _exc: None,
        )

    def _checked(self, ticket: int, found: EntryCheck) -> None:
        if ticket != self._checking:
            return
        local = self._unreadable_dates()
        shown = local + [p for p in found.all if p.field not in {q.field for q in local}]
        self._show_summary(shown, self.tr("Cần xem lại:"))
        self.checked.emit()

    def _show_summary(self, problems: list[FieldProblem], header: str) -> None:
        if problems:
            self.checks.setText("\n".join([header] + [f"• {p.message}" for p in problems]))
            self.checks.show()
        else:
            self.checks.hide()

    # -- saving ---------------------------------------------------------------------------

    def save(self) -> None:
        """Save (or, embedded, hand the form back) after the checks."""
        if self._busy or not self.editable:
            return
        local = self._unreadable_dates()
        form = self.collect()
        if local:
            self.show_problems(local)
            return
        self._busy = True
        self.save_button.setEnabled(False)
        self._save(form, accept_warnings=False)

    def _save(self, form: ChildForm, *, accept_warnings: bool) -> None:
        service, embed = self._service, self._embed
        household, today = self._household_id, self._today

        def work() -> str | None:
            if embed:
                _check_only(service, form, household, today)
                return None
            return service.save_child(form, household, today, accept_warnings=accept_warnings)

        run_op(
            self,
            work,
            success=lambda result: self._saved(form, result),
            failure=lambda exc: self._save_failed(form, exc),
            label=self.tr("Đang lưu hồ sơ…"),
        )

    def _saved(self, form: ChildForm, result: object) -> None:
        self._busy = False
        self.save_button.setEnabled(True)
        self._dirty = False
        if self._embed:
            self.form_ready.emit(form)
        elif isinstance(result, str):
            self.saved.emit(result)
        self.accept()

    def _save_failed(self, form: ChildForm, exc: BaseException) -> None:
        self._busy = False
        self.save_button.setEnabled(True)
        if isinstance(exc, NeedsConfirmation):
            if self._embed:
                # The household form confirms when it is saved; here the warnings are shown.
                self._show_summary(exc.problems, self.tr("Sẽ hỏi lại khi lưu hộ:"))
                self._busy = True
                self._saved(form, None)
                return
            self._confirm(form, exc)
            return
        if isinstance(exc, ValidationError):
            self.show_problems(exc.problems)
            return
        messages.show_exception(self, exc)

    def _confirm(self, form: ChildForm, exc: NeedsConfirmation) -> None:
        dialog = ConfirmWarningsDialog(exc.problems, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.confirm_dialog = dialog

        def accepted() -> None:
            reason = dialog.override_reason()
            confirmed = form
            if reason:
                self.id_check_override.setText(reason)
                confirmed = dataclasses.replace(form, id_check_override=reason)
            self._busy = True
            self.save_button.setEnabled(False)
            self._save(confirmed, accept_warnings=True)

        dialog.accepted.connect(accepted)
        dialog.open()

    def show_problems(self, problems: list[FieldProblem]) -> None:
        """Mark each problem at its field, show its tab, list them all."""
        first: QWidget | None = None
        for problem in problems:
            label = self.field_errors.get(problem.field)
            widget = getattr(self, problem.field, None)
            if label is not None:
                label.show_message(problem.message)
            if isinstance(widget, QLineEdit | QComboBox):
                set_invalid(widget, problem.message)
                first = first or widget
        self._show_summary(problems, self.tr("Chưa lưu được. Hãy sửa (mọi thứ đã nhập vẫn còn):"))
        if problems:
            self.tabs.setCurrentIndex(TAB_OF.get(problems[0].field, 0))
        if first is not None:
            first.setFocus()

    # -- closing --------------------------------------------------------------------------

    def has_unsaved_changes(self) -> bool:
        """True if something was typed since the form was opened."""
        return self._dirty

    def reject(self) -> None:
        """Ask before throwing away what was typed."""
        if self._busy:
            return
        if self._dirty and self.editable:
            messages.ask(
                self,
                self.tr("Những gì vừa nhập trong hồ sơ này chưa được lưu. Đóng và bỏ thay đổi?"),
                on_yes=self._discard,
                yes_text=self.tr("Bỏ thay đổi"),
                no_text=self.tr("Tiếp tục nhập"),
                icon=QMessageBox.Icon.Warning,
            )
            return
        super().reject()

    def _discard(self) -> None:
        self._dirty = False
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        """The X button behaves like Hủy."""
        event.ignore()
        self.reject()


def _check_only(
    service: ChildService, form: ChildForm, household_id: str | None, today: date
) -> None:
    """For the embedded dialog: blocking problems raise, warnings come as NeedsConfirmation."""
    found = service.check_entry(form, household_id, today)
    if found.problems:
        raise ValidationError(found.problems)
    if found.warnings:
        raise NeedsConfirmation(found.warnings)
