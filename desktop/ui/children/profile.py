"""A child's profile: everything known about the child, and its history."""

from __future__ import annotations

import json
from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.core.domain.child_rules import (
    FLAG_LABELS,
    GUARDIAN_ROLES,
    PARENT_STATUSES,
    STATUS_LABELS,
    Flag,
)
from desktop.core.domain.dates import format_vn_date
from desktop.core.domain.permissions import Action
from desktop.core.domain.population import SEX_LABELS
from desktop.core.services import codes
from desktop.core.services.book import Book
from desktop.core.services.children import ChildForm, ChildProfile, ChildService
from desktop.core.services.duplicates import MERGE_FIELDS
from desktop.ui.children.dialog import ChildDialog
from desktop.ui.children.events import CancelEventDialog, EventDialog
from desktop.ui.children.merge import MergeDialog
from desktop.ui.children.records import RecordsModel
from desktop.ui.ops import run_op
from desktop.ui.screen import resize_to_fit
from sync import clock


def _table(model: RecordsModel) -> QTableView:
    table = QTableView()
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().setVisible(False)
    table.setWordWrap(True)
    table.setAlternatingRowColors(True)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    return table


def _name(code_list: tuple[codes.Code, ...], code: str | None, empty: str = "—") -> str:
    return codes.name_of(code_list, code) if code else empty


def merge_summary(details: str) -> str:
    """The merge log's field choices in Vietnamese ("Họ và tên: giữ …; Trường: lấy …")."""
    try:
        data = json.loads(details)
    except ValueError:
        return ""
    parts = []
    for field, choice in sorted(data.get("fields", {}).items()):
        label = MERGE_FIELDS.get(field, field)
        verb = "giữ" if choice.get("chosen") == "kept" else "lấy từ hồ sơ gộp"
        value = choice.get("kept") if choice.get("chosen") == "kept" else choice.get("removed")
        parts.append(f"{label}: {verb} “{value if value not in (None, '') else '—'}”")
    reason = data.get("reason")
    if reason:
        parts.append(f"Lý do: {reason}")
    return "; ".join(parts)


class ChildProfileDialog(QDialog):
    """Everything about one person. Emits ``changed`` after an edit, an event or a merge."""

    changed = Signal()
    loaded = Signal()

    def __init__(
        self,
        book: Book,
        person_id: str,
        *,
        today: date | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._book = book
        self._service = ChildService(book)
        self._person_id = person_id
        self._today = today or clock.today()
        self.profile: ChildProfile | None = None
        self.can_edit = book.user.may(Action.EDIT_BOOK)
        self.setWindowTitle(self.tr("Hồ sơ trẻ em"))
        self.name = QLabel(self.tr("Đang tải…"))
        self.name.setObjectName("pageTitle")
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.alerts = QLabel()
        self.alerts.setObjectName("errorLabel")
        self.alerts.setWordWrap(True)
        self.banner = QLabel()
        self.banner.setObjectName("calmLabel")
        self.banner.setWordWrap(True)
        self.banner.hide()

        self.details = QWidget()
        self.details_form = QFormLayout(self.details)
        self.guardians = RecordsModel(
            ["Vai trò", "Họ và tên", "Tình trạng", "Điện thoại"], "ChildProfileDialog", self
        )
        self.events = RecordsModel(
            ["Ngày", "Biến động", "Nơi, nguyên nhân", "Hộ", "Ghi chú", "Người ghi"],
            "ChildProfileDialog",
            self,
        )
        self.episodes = RecordsModel(
            ["Nhóm hoàn cảnh đặc biệt", "Từ ngày", "Đến ngày", "Căn cứ"], "ChildProfileDialog", self
        )
        self.merges = RecordsModel(
            ["Thời điểm", "Người gộp", "Hồ sơ được giữ", "Hồ sơ gộp vào", "Đã chọn"],
            "ChildProfileDialog",
            self,
        )
        self.events_table = _table(self.events)
        self.record_event_button = QPushButton(self.tr("Ghi biến động…"))
        self.cancel_event_button = QPushButton(self.tr("Hủy biến động đã chọn…"))
        self.merge_button = QPushButton(self.tr("Gộp với hồ sơ trùng…"))
        events_page = QWidget()
        events_layout = QVBoxLayout(events_page)
        events_layout.addWidget(self.events_table, 1)
        events_buttons = QHBoxLayout()
        events_buttons.addWidget(self.record_event_button)
        events_buttons.addWidget(self.cancel_event_button)
        events_buttons.addStretch(1)
        events_layout.addLayout(events_buttons)
        merges_page = QWidget()
        merges_layout = QVBoxLayout(merges_page)
        merges_layout.addWidget(_table(self.merges), 1)
        merges_buttons = QHBoxLayout()
        merges_buttons.addWidget(self.merge_button)
        merges_buttons.addStretch(1)
        merges_layout.addLayout(merges_buttons)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.details, self.tr("Hồ sơ"))
        self.tabs.addTab(_table(self.guardians), self.tr("Cha mẹ, người giám hộ"))
        self.tabs.addTab(events_page, self.tr("Biến động"))
        self.episodes_index = self.tabs.addTab(_table(self.episodes), self.tr("Hoàn cảnh đặc biệt"))
        self.tabs.addTab(merges_page, self.tr("Gộp hồ sơ"))

        self.edit_button = QPushButton(self.tr("Sửa hồ sơ"))
        self.edit_button.setObjectName("primary")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.addButton(self.edit_button, QDialogButtonBox.ButtonRole.ActionRole)
        layout = QVBoxLayout(self)
        layout.addWidget(self.name)
        layout.addWidget(self.summary)
        layout.addWidget(self.alerts)
        layout.addWidget(self.banner)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.buttons)
        self.buttons.rejected.connect(self.reject)
        self.edit_button.clicked.connect(self.open_edit)
        self.record_event_button.clicked.connect(self.open_event)
        self.cancel_event_button.clicked.connect(self.open_cancel_event)
        self.merge_button.clicked.connect(self.open_merge)
        for button in (self.edit_button, self.record_event_button, self.cancel_event_button,
                       self.merge_button):  # fmt: skip
            button.setVisible(self.can_edit)
            button.setAutoDefault(False)
        resize_to_fit(self, 960, 680)
        self.reload()

    def reload(self) -> None:
        """Load the profile (background)."""
        service, person_id, today = self._service, self._person_id, self._today
        run_op(self, lambda: service.profile(person_id, today), success=self._show)

    # -- showing --------------------------------------------------------------------------

    def _show(self, profile: ChildProfile) -> None:
        self.profile = profile
        record = profile.record
        self.setWindowTitle(self.tr("Hồ sơ của {name}").format(name=record.full_name))
        self.name.setText(record.full_name)
        parts = [
            SEX_LABELS.get(record.sex, ""),
            self.tr("{age} tuổi (sinh {born}{est})").format(
                age=profile.age,
                born=format_vn_date(record.birth_date),
                est=self.tr(", ước tính") if record.birth_date_estimated else "",
            ),
            codes.name_of(codes.ethnic_groups(), record.ethnicity_code),
        ]
        if profile.household is not None:
            household = profile.household
            parts.append(
                self.tr("Hộ số {n} (chủ hộ {head}), {hamlet}").format(
                    n=household.number, head=household.head_name, hamlet=household.hamlet_name
                )
            )
        status = STATUS_LABELS.get(record.status, record.status)
        if not profile.is_child and record.status == "active":
            status = self.tr("Không còn là trẻ em (từ {day})").format(
                day=format_vn_date(profile.sixteenth_birthday)
            )
        parts.append(status)
        self.summary.setText(" · ".join(p for p in parts if p))
        flags = [self.tr(FLAG_LABELS[f]) for f in Flag if f in profile.flags]
        if Flag.UNDER6_NO_INSURANCE in profile.flags and Flag.NO_INSURANCE in profile.flags:
            flags.remove(self.tr(FLAG_LABELS[Flag.NO_INSURANCE]))
        alerts = flags + profile.id_warnings + profile.hints
        self.alerts.setText("\n".join(f"⚠ {a}" for a in alerts))
        self.alerts.setVisible(bool(alerts))
        banner = record.read_only_reason
        if profile.merged_into_id:
            banner = self.tr("Hồ sơ này đã được gộp vào một hồ sơ khác (xem thẻ “Gộp hồ sơ”).")
        self.banner.setText(banner)
        self.banner.setVisible(bool(banner))
        editable = self.can_edit and not record.read_only_reason and not profile.deleted
        self.edit_button.setText(self.tr("Sửa hồ sơ") if editable else self.tr("Xem chi tiết"))
        self.merge_button.setEnabled(editable)
        self.record_event_button.setEnabled(not profile.deleted)
        self._fill_details(profile)
        self.guardians.set_rows(
            [
                (
                    g.id,
                    [
                        self.tr(GUARDIAN_ROLES.get(g.role, g.role)),
                        g.full_name,
                        self.tr(PARENT_STATUSES.get(g.parent_status, g.parent_status)),
                        g.phone if profile.show_personal else "",
                    ],
                )
                for g in profile.guardians
            ]
        )
        self.events.set_rows(
            [
                (
                    e.id,
                    [
                        format_vn_date(e.event_date),
                        e.name + (self.tr(" (tự động)") if e.automatic else ""),
                        "; ".join(x for x in (e.place, e.cause) if x),
                        e.household_label,
                        e.details,
                        e.recorded_by,
                    ],
                )
                for e in profile.events
            ]
        )
        self.tabs.setTabVisible(self.episodes_index, profile.episodes is not None)
        self.episodes.set_rows(
            [
                (
                    e.id,
                    [
                        f"{e.group_no}. {e.group_name}",
                        format_vn_date(e.start_date),
                        format_vn_date(e.end_date) or self.tr("đang"),
                        e.evidence,
                    ],
                )
                for e in profile.episodes or []
            ]
        )
        self.merges.set_rows(
            [
                (m.id, [m.when, m.by, m.kept_name, m.removed_name, merge_summary(m.details)])
                for m in profile.merges
            ]
        )
        self.loaded.emit()

    def _fill_details(self, profile: ChildProfile) -> None:
        while self.details_form.rowCount():
            self.details_form.removeRow(0)
        record = profile.record
        registered = {None: self.tr("Chưa rõ"), True: self.tr("Đã đăng ký"),
                      False: self.tr("Chưa đăng ký")}[record.birth_registered]  # fmt: skip
        if record.birth_registration_date or record.birth_registration_place:
            registered += f" ({format_vn_date(record.birth_registration_date)} "
            registered += f"{record.birth_registration_place})".replace(" )", ")")
        insurance = record.insurance_number or self.tr("không có")
        if record.insurance_valid_until:
            insurance += self.tr(", hạn đến {d}").format(
                d=format_vn_date(record.insurance_valid_until)
            )
        school = _name(codes.schooling_levels(), record.schooling_code)
        if record.school_name or record.school_class:
            school += f" — {record.school_name} {record.school_class}".rstrip()
        rows = [
            (self.tr("Số định danh:"), record.id_number or self.tr("chưa có")),
            (self.tr("Lý do giữ số định danh:"), record.id_check_override or "—"),
            (
                self.tr("Quan hệ với chủ hộ:"),
                _name(codes.household_relations(), record.relation_code),
            ),
            (self.tr("Cư trú:"), _name(codes.residence_statuses(), record.residence_code)),
            (self.tr("Đăng ký khai sinh:"), registered),
            (self.tr("Thẻ BHYT:"), insurance),
            (self.tr("Học tập:"), school),
            (self.tr("Ngày đủ 16 tuổi:"), format_vn_date(profile.sixteenth_birthday)),
            (self.tr("Ghi chú:"), record.notes or "—"),
        ]
        if not profile.show_personal:
            rows = rows[2:]
        if profile.show_sensitive:
            disability = _name(codes.disability_types(), record.disability_code,
                               self.tr("không"))  # fmt: skip
            if record.disability_severity_code:
                disability += ", " + _name(codes.disability_severities(),
                                           record.disability_severity_code)  # fmt: skip
            rows.insert(-2, (self.tr("Khuyết tật:"), disability))
        for caption, value in rows:
            label = QLabel(value)
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.details_form.addRow(caption, label)

    # -- actions --------------------------------------------------------------------------

    def _changed(self, *_args: object) -> None:
        self.changed.emit()
        self.reload()

    def open_edit(self) -> ChildDialog | None:
        """Open the full record (editable unless it is history)."""
        profile = self.profile
        if profile is None:
            return None
        household = profile.household.id if profile.household is not None else None
        service, person_id = self._service, self._person_id

        def opened(form: ChildForm) -> None:
            dialog = ChildDialog(
                self._book, form, household_id=household, today=self._today, parent=self
            )
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            dialog.saved.connect(self._changed)
            self.edit_dialog = dialog
            dialog.open()

        run_op(self, lambda: service.get_child(person_id), success=opened)
        return None

    def open_event(self) -> EventDialog | None:
        """Record a change event for this person."""
        if self.profile is None:
            return None
        dialog = EventDialog(
            self._book,
            self._person_id,
            self.profile.record.full_name,
            today=self._today,
            parent=self,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.recorded.connect(self._changed)
        dialog.open()
        return dialog

    def open_cancel_event(self) -> CancelEventDialog | None:
        """Cancel the selected event (asks why)."""
        index = self.events_table.currentIndex()
        if not index.isValid():
            self.events_table.setFocus()
            return None
        what = f"{self.events.text_at(index.row(), 1)} {self.events.text_at(index.row(), 0)}"
        dialog = CancelEventDialog(self._book, self.events.key_at(index.row()), what, self)
        dialog.cancelled.connect(self._changed)
        dialog.open()
        return dialog

    def open_merge(self) -> MergeDialog | None:
        """Look for this child's duplicates and merge one."""
        profile = self.profile
        if profile is None:
            return None
        dialog = MergeDialog(
            self._book,
            profile.record,
            household_id=profile.household.id if profile.household is not None else None,
            parent=self,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.merged.connect(self._changed)
        dialog.open()
        return dialog
