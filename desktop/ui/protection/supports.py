"""Support given to children: one support to one child, and a campaign — one support, one date,
a filtered list of children, previewed, then saved in one transaction with progress."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QSpinBox,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from desktop.core.domain.errors import FieldProblem, ValidationError
from desktop.core.services import codes
from desktop.core.services.book import Book
from desktop.core.services.households import HamletItem, HouseholdService
from desktop.core.services.protection import (
    FUNDING_SOURCES,
    BulkPreview,
    BulkResult,
    BulkSupportForm,
    CandidateFilter,
    CandidateRow,
    GroupChoice,
    SupportForm,
    SupportService,
    SupportView,
)
from desktop.ui import messages
from desktop.ui.ops import run_op
from desktop.ui.protection.common import ListModel, date_text, fill_codes, make_table, tr
from desktop.ui.protection.form import FormDialog, int_or_none
from desktop.ui.protection.picker import ChildPicker
from desktop.ui.screen import resize_to_fit
from desktop.ui.widgets import DateLineEdit, ErrorLabel, FoldingComboBox
from sync import clock


def amount_text(amount: int | None) -> str:
    """1500000 → "1.500.000 đ"."""
    if amount is None:
        return ""
    return f"{amount:,} đ".replace(",", ".")


def _support_combo() -> FoldingComboBox:
    combo = FoldingComboBox()
    fill_codes(combo, codes.support_types(), first=(tr("— chọn loại trợ giúp —"), None))
    combo.setMinimumWidth(320)
    return combo


def _funding_combo() -> FoldingComboBox:
    combo = FoldingComboBox()
    combo.set_items([(tr(label), key) for key, label in FUNDING_SOURCES.items()])
    return combo


class SupportDialog(FormDialog):
    """One support (type, provider, date or range, amount) to one child."""

    def __init__(
        self,
        book: Book,
        *,
        person_id: str | None = None,
        person_text: str = "",
        support: SupportView | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            self.tr("Ghi trợ giúp cho trẻ") if support is None else self.tr("Sửa trợ giúp"),
            parent,
        )
        self._book = book
        self._support = support
        self.child = ChildPicker(book)
        if person_id is not None:
            self.child.set_child(person_id, person_text)
            self.child.change_button.hide()
        self.support_code = _support_combo()
        self.given_on = DateLineEdit(label=self.tr("Ngày trợ giúp"))
        self.given_on.set_value(clock.today())
        self.end_date = DateLineEdit(label=self.tr("Đến ngày"))
        self.provider = QLineEdit()
        self.provider.setPlaceholderText(self.tr("ví dụ: UBND xã, Hội Chữ thập đỏ, nhà hảo tâm"))
        self.funding = _funding_combo()
        self.amount = QLineEdit()
        self.amount.setPlaceholderText(self.tr("số tiền (đồng), nếu có"))
        self.note = QLineEdit()
        for field in (self.given_on, self.end_date):
            field.setMaximumWidth(140)
        self.amount.setMaximumWidth(180)
        self.add_row(self.tr("Trẻ em *:"), "person_id", self.child)
        self.add_row(self.tr("Loại trợ giúp *:"), "support_code", self.support_code)
        self.add_row(self.tr("Ngày trợ giúp *:"), "given_on", self.given_on)
        self.add_row(
            self.tr("Đến ngày:"),
            "end_date",
            self.end_date,
            hint=self.tr("Chỉ ghi với trợ giúp kéo dài, ví dụ trợ cấp hằng tháng."),
        )
        self.add_row(self.tr("Đơn vị, người trợ giúp:"), "provider", self.provider)
        self.add_row(self.tr("Nguồn kinh phí:"), "funding", self.funding)
        self.add_row(self.tr("Số tiền:"), "amount", self.amount)
        self.add_row(self.tr("Ghi chú:"), "note", self.note)
        if support is not None:
            self.support_code.set_current_data(support.support_code)
            self.given_on.set_value(support.given_on)
            self.end_date.set_value(support.end_date)
            self.provider.setText(support.provider)
            self.funding.set_current_data(support.funding)
            self.amount.setText(str(support.amount) if support.amount is not None else "")
            self.note.setText(support.note)
        self._dirty = False

    def save(self) -> None:
        """Child, type and a readable amount first."""
        problems = []
        if not self.child.person_id:
            problems.append(FieldProblem("person_id", self.tr("Hãy chọn trẻ em (gõ tên để tìm).")))
        if not self.support_code.current_data():
            problems.append(FieldProblem("support_code", self.tr("Hãy chọn loại trợ giúp.")))
        if self.amount.text().strip() and int_or_none(self.amount.text()) is None:
            problems.append(
                FieldProblem(
                    "amount", self.tr("Số tiền chỉ gồm chữ số, ví dụ 500000 hoặc 500.000.")
                )
            )
        if problems:
            self.show_problems(problems + self.unreadable_dates())
            return
        super().save()

    def collect(self) -> SupportForm:
        """The support as typed."""
        return SupportForm(
            person_id=self.child.person_id or "",
            support_code=str(self.support_code.current_data() or ""),
            given_on=self.given_on.value(),
            end_date=self.end_date.value(),
            provider=self.provider.text(),
            funding=str(self.funding.current_data() or ""),
            amount=int_or_none(self.amount.text()),
            note=self.note.text(),
            case_id=self._support.case_id if self._support is not None else None,
            id=self._support.id if self._support is not None else None,
        )

    def work(self, form: SupportForm, confirm: bool) -> Callable[[], object]:
        service = SupportService(self._book)
        return lambda: service.save(form)


CANDIDATE_COLUMNS = [
    ("Họ và tên", lambda r: r.full_name),
    ("Ngày sinh", lambda r: date_text(r.birth_date)),
    ("Thôn/Tổ", lambda r: r.hamlet_name),
    ("Số hộ", lambda r: r.household_number),
]
PREVIEW_COLUMNS = [
    ("Họ và tên", lambda r: r.full_name),
    ("Ngày sinh", lambda r: date_text(r.birth_date)),
    ("Thôn/Tổ", lambda r: r.hamlet_name),
    ("Kết quả kiểm tra", lambda r: r.problem or tr("Sẽ ghi")),
]


class _FilterPage(QWizardPage):
    """Who: groups, hamlets, household poverty, ages, not yet supported."""

    def __init__(self, wizard: BulkSupportWizard) -> None:
        super().__init__(wizard)
        self._wizard = wizard
        self.setTitle(self.tr("Bước 1: chọn các trẻ được trợ giúp"))
        self.setSubTitle(
            self.tr("Lọc danh sách (ví dụ: mọi trẻ nhóm 1, hoặc trẻ hộ nghèo ở hai thôn).")
        )
        self.special_only = QCheckBox(self.tr("Chỉ trẻ em có hoàn cảnh đặc biệt"))
        self.at_risk_only = QCheckBox(self.tr("Chỉ trẻ em có nguy cơ"))
        self.unsupported_only = QCheckBox(self.tr("Chỉ trẻ chưa được trợ giúp trong năm nay"))
        self.groups = QListWidget()
        self.hamlets = QListWidget()
        self.poverty = QListWidget()
        for c in codes.poverty_statuses():
            item = QListWidgetItem(c.name)
            item.setData(Qt.ItemDataRole.UserRole, c.code)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.poverty.addItem(item)
        for box in (self.groups, self.hamlets, self.poverty):
            box.setMinimumHeight(110)
        self.age_min = QSpinBox()
        self.age_max = QSpinBox()
        for spin in (self.age_min, self.age_max):
            spin.setRange(0, 17)
        self.age_max.setValue(15)
        self.found = QLabel()
        self.found.setObjectName("sectionTitle")
        self.model = ListModel([(tr(h), f) for h, f in CANDIDATE_COLUMNS], self)
        self.table = make_table(self.model, (220, 100, 140))
        grid = QGridLayout()
        grid.addWidget(QLabel(self.tr("Nhóm hoàn cảnh đặc biệt:")), 0, 0)
        grid.addWidget(QLabel(self.tr("Thôn/Tổ:")), 0, 1)
        grid.addWidget(QLabel(self.tr("Hoàn cảnh hộ:")), 0, 2)
        grid.addWidget(self.groups, 1, 0)
        grid.addWidget(self.hamlets, 1, 1)
        grid.addWidget(self.poverty, 1, 2)
        ages = QGridLayout()
        ages.addWidget(QLabel(self.tr("Tuổi từ")), 0, 0)
        ages.addWidget(self.age_min, 0, 1)
        ages.addWidget(QLabel(self.tr("đến")), 0, 2)
        ages.addWidget(self.age_max, 0, 3)
        ages.setColumnStretch(4, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.special_only)
        layout.addWidget(self.at_risk_only)
        layout.addWidget(self.unsupported_only)
        layout.addLayout(grid)
        layout.addLayout(ages)
        layout.addWidget(self.found)
        layout.addWidget(self.table, 1)
        self.rows: list[CandidateRow] = []
        for widget in (self.special_only, self.at_risk_only, self.unsupported_only):
            widget.toggled.connect(lambda _c: self.search())
        for box in (self.groups, self.hamlets, self.poverty):
            box.itemChanged.connect(lambda _i: self.search())
        self.age_min.valueChanged.connect(lambda _v: self.search())
        self.age_max.valueChanged.connect(lambda _v: self.search())

    def set_choices(self, groups: Sequence[GroupChoice], hamlets: Sequence[HamletItem]) -> None:
        """Fill the group and hamlet lists (loaded in the background)."""
        for box, entries in (
            (self.groups, [(g.label, g.no) for g in groups]),
            (self.hamlets, [(h.name, h.id) for h in hamlets]),
        ):
            box.blockSignals(True)
            box.clear()
            for text, data in entries:
                item = QListWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, data)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Unchecked)
                box.addItem(item)
            box.blockSignals(False)

    @staticmethod
    def _checked(box: QListWidget) -> tuple[object, ...]:
        return tuple(
            box.item(i).data(Qt.ItemDataRole.UserRole)
            for i in range(box.count())
            if box.item(i).checkState() == Qt.CheckState.Checked
        )

    def filters(self) -> CandidateFilter:
        """The filter as ticked."""
        groups = tuple(int(g) for g in self._checked(self.groups) if isinstance(g, int))
        return CandidateFilter(
            group_nos=groups,
            special_only=self.special_only.isChecked() or bool(groups),
            at_risk_only=self.at_risk_only.isChecked(),
            hamlet_ids=tuple(str(h) for h in self._checked(self.hamlets)),
            poverty_codes=tuple(str(p) for p in self._checked(self.poverty)),
            age_min=self.age_min.value() or None,
            age_max=self.age_max.value(),
            unsupported_only=self.unsupported_only.isChecked(),
            on=self._wizard.given_on.value(),
        )

    def search(self) -> None:
        """Find the children (background)."""
        service, filters = self._wizard.service, self.filters()
        self._wizard.request += 1
        request = self._wizard.request
        self.found.setText(self.tr("Đang tìm…"))
        run_op(
            self,
            lambda: service.candidates(filters),
            success=lambda rows: self._found(request, rows),
        )

    def _found(self, request: int, rows: tuple[CandidateRow, ...]) -> None:
        if request != self._wizard.request:
            return
        self.rows = list(rows)
        self.model.set_rows(self.rows)
        self.found.setText(self.tr("Tìm thấy {n} trẻ.").format(n=len(rows)))
        self.completeChanged.emit()
        self._wizard.searched.emit(len(rows))

    def isComplete(self) -> bool:
        """Next only with someone on the list."""
        return bool(self.rows)


class _SupportPage(QWizardPage):
    """What: one support, one date, one provider (and amount) for everyone."""

    def __init__(self, wizard: BulkSupportWizard) -> None:
        super().__init__(wizard)
        self._wizard = wizard
        self.setTitle(self.tr("Bước 2: loại trợ giúp và ngày trợ giúp"))
        self.setSubTitle(self.tr("Một loại trợ giúp, một ngày cho tất cả các trẻ đã chọn."))
        self.campaign_name = QLineEdit()
        self.campaign_name.setPlaceholderText(self.tr("ví dụ: Tặng quà Trung thu 2026"))
        self.support_code = _support_combo()
        self.provider = QLineEdit()
        self.funding = _funding_combo()
        self.amount = QLineEdit()
        self.amount.setPlaceholderText(self.tr("số tiền mỗi trẻ (đồng), nếu có"))
        self.note = QLineEdit()
        self.error = ErrorLabel()
        form = QGridLayout(self)
        rows: list[tuple[str, QWidget]] = [
            (self.tr("Tên đợt trợ giúp:"), self.campaign_name),
            (self.tr("Loại trợ giúp *:"), self.support_code),
            (self.tr("Ngày trợ giúp *:"), wizard.given_on),
            (self.tr("Đơn vị, người trợ giúp:"), self.provider),
            (self.tr("Nguồn kinh phí:"), self.funding),
            (self.tr("Số tiền mỗi trẻ:"), self.amount),
            (self.tr("Ghi chú:"), self.note),
        ]
        for row, (caption, widget) in enumerate(rows):
            form.addWidget(QLabel(caption), row, 0)
            form.addWidget(widget, row, 1)
        form.addWidget(self.error, len(rows), 0, 1, 2)
        form.setColumnStretch(1, 1)
        form.setRowStretch(len(rows) + 1, 1)

    def validatePage(self) -> bool:
        """Type and a readable date and amount before the preview."""
        problems = []
        if not self.support_code.current_data():
            problems.append(self.tr("Hãy chọn loại trợ giúp."))
        self._wizard.given_on.check()
        if self._wizard.given_on.problem:
            problems.append(self._wizard.given_on.problem)
        elif self._wizard.given_on.value() is None:
            problems.append(self.tr("Hãy nhập ngày trợ giúp (dd/mm/yyyy)."))
        if self.amount.text().strip() and int_or_none(self.amount.text()) is None:
            problems.append(self.tr("Số tiền chỉ gồm chữ số, ví dụ 500000 hoặc 500.000."))
        self.error.show_message("\n".join(problems))
        return not problems


class _PreviewPage(QWizardPage):
    """Check: who will get it, who not and why; then save in one step."""

    def __init__(self, wizard: BulkSupportWizard) -> None:
        super().__init__(wizard)
        self._wizard = wizard
        self.setTitle(self.tr("Bước 3: xem trước rồi lưu"))
        self.summary = QLabel()
        self.summary.setObjectName("sectionTitle")
        self.summary.setWordWrap(True)
        self.model = ListModel(
            [(tr(h), f) for h, f in PREVIEW_COLUMNS],
            self,
            colour=lambda r: None if r.ok else "#b71c1c",
        )
        self.table = make_table(self.model, (220, 100, 140))
        self.error = ErrorLabel()
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.error)
        self.preview: BulkPreview | None = None
        self.setButtonText(QWizard.WizardButton.FinishButton, self.tr("Lưu trợ giúp"))

    def initializePage(self) -> None:
        """Ask the service what would be saved."""
        self.preview = None
        self.summary.setText(self.tr("Đang kiểm tra…"))
        self.error.show_message("")
        form = self._wizard.form()
        service = self._wizard.service
        run_op(
            self,
            lambda: service.preview_bulk(form),
            success=self._previewed,
            failure=self._failed,
        )

    def _previewed(self, preview: BulkPreview) -> None:
        self.preview = preview
        self.model.set_rows(list(preview.rows))
        refused = len(preview.refused)
        text = self.tr("{n} trẻ sẽ được ghi “{s}” ngày {d}.").format(
            n=preview.accepted, s=preview.support_name, d=date_text(preview.given_on)
        )
        if refused:
            text += " " + self.tr("{r} trẻ không ghi được (lý do ở cột cuối).").format(r=refused)
        self.summary.setText(text)
        self.completeChanged.emit()
        self._wizard.previewed.emit(preview)

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, ValidationError):
            self.summary.setText(self.tr("Chưa lưu được:"))
            self.error.show_message(exc.message_vi)
        else:
            messages.show_exception(self, exc)

    def isComplete(self) -> bool:
        """Save only when someone will get it."""
        return self.preview is not None and self.preview.accepted > 0

    def validatePage(self) -> bool:
        """Save in the background (one transaction); the wizard closes when it is done."""
        if self._wizard.result_ is not None:
            return True
        self._wizard.save()
        return False


class BulkSupportWizard(QWizard):
    """A campaign: filter → support and date → preview → save (one transaction)."""

    searched = Signal(int)
    previewed = Signal(object)
    done_saving = Signal(object)  # the BulkResult

    def __init__(self, book: Book, groups: Sequence[GroupChoice], parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Trợ giúp hàng loạt"))
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, False)
        self.service = SupportService(book)
        self.request = 0
        self.result_: BulkResult | None = None
        self._saving = False
        self.given_on = DateLineEdit(label=self.tr("Ngày trợ giúp"))
        self.given_on.set_value(clock.today())
        self.given_on.setMaximumWidth(140)
        self.filter_page = _FilterPage(self)
        self.support_page = _SupportPage(self)
        self.preview_page = _PreviewPage(self)
        for page in (self.filter_page, self.support_page, self.preview_page):
            self.addPage(page)
        self.setButtonText(QWizard.WizardButton.NextButton, self.tr("Tiếp >"))
        self.setButtonText(QWizard.WizardButton.BackButton, self.tr("< Quay lại"))
        self.setButtonText(QWizard.WizardButton.CancelButton, self.tr("Hủy"))
        resize_to_fit(self, 900, 640)
        households = HouseholdService(book)
        run_op(
            self,
            households.hamlets,
            success=lambda hamlets: self.filter_page.set_choices(groups, hamlets),
        )
        self.filter_page.search()

    def form(self) -> BulkSupportForm:
        """The campaign as chosen."""
        page = self.support_page
        return BulkSupportForm(
            person_ids=tuple(r.person_id for r in self.filter_page.rows),
            support_code=str(page.support_code.current_data() or ""),
            given_on=self.given_on.value(),
            campaign_name=page.campaign_name.text(),
            provider=page.provider.text(),
            funding=str(page.funding.current_data() or ""),
            amount=int_or_none(page.amount.text()),
            note=page.note.text(),
        )

    def save(self) -> None:
        """Save every accepted child's support in one step (with a progress dialog)."""
        if self._saving:
            return
        self._saving = True
        self.button(QWizard.WizardButton.FinishButton).setEnabled(False)
        form = self.form()
        service = self.service
        run_op(
            self,
            lambda: service.save_bulk(form),
            success=self._saved,
            failure=self._failed,
            label=self.tr("Đang lưu trợ giúp cho {n} trẻ…").format(n=len(form.person_ids)),
        )

    def _saved(self, result: BulkResult) -> None:
        self._saving = False
        self.result_ = result
        self.done_saving.emit(result)
        messages.show_message(
            self.parentWidget(),
            self.tr("Đã lưu trợ giúp cho {n} trẻ.").format(n=result.saved)
            + (
                " " + self.tr("{k} trẻ không ghi được.").format(k=len(result.skipped))
                if result.skipped
                else ""
            ),
        )
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._saving = False
        self.button(QWizard.WizardButton.FinishButton).setEnabled(True)
        if isinstance(exc, ValidationError):
            self.preview_page.error.show_message(exc.message_vi)
        else:
            messages.show_exception(self, exc)
