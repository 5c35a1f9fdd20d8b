"""The children in special circumstances, filtered, with the live coverage against 90 %; the
children at risk; and one child's protection record (episodes, risks, supports)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.core.domain.permissions import Action
from desktop.core.domain.population import SEX_LABELS
from desktop.core.services.book import Book
from desktop.core.services.households import HamletItem, HouseholdService
from desktop.core.services.protection import (
    GroupChoice,
    ListKind,
    RiskCategory,
    RiskEpisodeView,
    RiskFilter,
    RiskListRow,
    RiskService,
    SpecialFilter,
    SpecialList,
    SpecialListRow,
    SpecialService,
    SupportService,
    SupportView,
)
from desktop.ui import messages
from desktop.ui.ops import run_op
from desktop.ui.protection.common import (
    ListModel,
    date_text,
    export_button,
    gate,
    make_table,
    selected_row,
    tr,
)
from desktop.ui.protection.episodes import RiskEpisodeDialog, SpecialEpisodeDialog
from desktop.ui.protection.form import FormDialog
from desktop.ui.protection.remove import RemoveDialog, open_remove
from desktop.ui.protection.supports import BulkSupportWizard, SupportDialog, amount_text
from desktop.ui.screen import resize_to_fit
from desktop.ui.widgets import FoldingComboBox

SEARCH_DELAY_MS = 150

SPECIAL_COLUMNS = [
    ("Họ và tên", lambda r: r.full_name),
    ("Ngày sinh", lambda r: date_text(r.birth_date)),
    ("Giới tính", lambda r: SEX_LABELS.get(r.sex, "")),
    ("Thôn/Tổ", lambda r: r.hamlet_name),
    ("Số hộ", lambda r: r.household_number),
    ("Nhóm", lambda r: r.groups_text),
    ("Trợ giúp năm nay", lambda r: tr("{n} lần").format(n=r.support_count) if r.supported
     else tr("Chưa được trợ giúp")),
    ("Lần gần nhất", lambda r: date_text(r.last_support_on)),
]  # fmt: skip
RISK_COLUMNS = [
    ("Họ và tên", lambda r: r.full_name),
    ("Ngày sinh", lambda r: date_text(r.birth_date)),
    ("Thôn/Tổ", lambda r: r.hamlet_name),
    ("Số hộ", lambda r: r.household_number),
    ("Nguy cơ", lambda r: r.categories_text),
]


def person_text(row: SpecialListRow | RiskListRow) -> str:
    """The child as the forms show it."""
    return f"{row.full_name} — {date_text(row.birth_date)}, {row.hamlet_name}"


class SpecialView(QWidget):
    """Children in special circumstances with the coverage figure; forms open from here."""

    loaded = Signal(object)  # the SpecialList shown

    def __init__(self, book: Book, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._book = book
        self._service = SpecialService(book)
        self._request = 0
        self.groups: tuple[GroupChoice, ...] = ()
        self.dialog: QWidget | None = None
        user = book.user

        self.coverage = QLabel()
        self.coverage.setObjectName("sectionTitle")
        self.coverage.setWordWrap(True)
        self.search = QLineEdit()
        self.search.setClearButtonEnabled(True)
        self.search.setPlaceholderText(self.tr("Tìm theo tên trẻ (gõ không dấu được)"))
        self.group = FoldingComboBox()
        self.group.set_items([(self.tr("Mọi nhóm"), None)])
        self.group.setMinimumWidth(260)
        self.hamlet = FoldingComboBox()
        self.hamlet.set_items([(self.tr("Tất cả thôn/tổ"), None)])
        self.hamlet.setMinimumWidth(150)
        self.supported = FoldingComboBox()
        self.supported.set_items(
            [
                (self.tr("Đã và chưa trợ giúp"), None),
                (self.tr("Chưa được trợ giúp năm nay"), False),
                (self.tr("Đã được trợ giúp năm nay"), True),
            ]
        )
        filters = QHBoxLayout()
        filters.addWidget(self.search, 2)
        filters.addWidget(self.group, 2)
        filters.addWidget(self.hamlet, 1)
        filters.addWidget(self.supported, 1)
        self.model = ListModel(
            [(tr(h), f) for h, f in SPECIAL_COLUMNS],
            self,
            colour=lambda r: None if r.supported else "#a15c00",
        )
        self.table = make_table(self.model, (190, 90, 70, 120, 56, 70, 130))
        self.hidden_note = QLabel()
        self.hidden_note.setObjectName("calmLabel")
        self.hidden_note.setWordWrap(True)
        self.hidden_note.hide()
        self.add_button = QPushButton(self.tr("Ghi hoàn cảnh đặc biệt…"))
        self.add_button.setObjectName("primary")
        self.record_button = QPushButton(self.tr("Hồ sơ bảo vệ của trẻ"))
        self.support_button = QPushButton(self.tr("Ghi trợ giúp…"))
        self.bulk_button = QPushButton(self.tr("Trợ giúp hàng loạt…"))
        for button in (self.add_button, self.support_button, self.bulk_button):
            gate(button, user, Action.EDIT_PROTECTION)
        self.export_button = export_button(
            self, book, ListKind.SPECIAL, "tre-em-co-hoan-canh-dac-biet.xlsx"
        )
        self.status = QLabel()
        self.status.setObjectName("hintLabel")
        buttons = QHBoxLayout()
        for button in (
            self.add_button, self.record_button, self.support_button, self.bulk_button,
            self.export_button,
        ):  # fmt: skip
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.status)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.addWidget(self.coverage)
        layout.addLayout(filters)
        layout.addWidget(self.hidden_note)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.refresh)
        self.search.textChanged.connect(lambda _t: self._timer.start())
        for combo in (self.group, self.hamlet, self.supported):
            combo.currentIndexChanged.connect(lambda _i: self.refresh())
        self.table.activated.connect(lambda _i: self.open_record())
        self.add_button.clicked.connect(lambda: self.open_episode(None))
        self.record_button.clicked.connect(self.open_record)
        self.support_button.clicked.connect(self.open_support)
        self.bulk_button.clicked.connect(self.open_bulk)

    def showEvent(self, event: QShowEvent) -> None:
        """Shown: read again."""
        super().showEvent(event)
        self.reload()

    def reload(self) -> None:
        """Groups, hamlets, then the list."""
        service, households = self._service, HouseholdService(self._book)
        run_op(
            self,
            lambda: (service.groups(), households.hamlets()),
            success=self._choices_loaded,
        )
        self.refresh()

    def _choices_loaded(self, found: tuple[tuple[GroupChoice, ...], Sequence[HamletItem]]) -> None:
        groups, hamlets = found
        self.groups = groups
        for combo, items in (
            (self.group, [(self.tr("Mọi nhóm"), None)] + [(g.label, g.no) for g in groups]),
            (
                self.hamlet,
                [(self.tr("Tất cả thôn/tổ"), None)] + [(h.name, h.id) for h in hamlets],
            ),
        ):
            current = combo.current_data()
            combo.blockSignals(True)
            combo.set_items(items)
            combo.set_current_data(current)
            combo.blockSignals(False)

    def filters(self) -> SpecialFilter:
        """The filters as chosen."""
        group = self.group.current_data()
        hamlet = self.hamlet.current_data()
        supported = self.supported.current_data()
        return SpecialFilter(
            group_no=group if isinstance(group, int) else None,
            hamlet_id=hamlet if isinstance(hamlet, str) else None,
            supported=supported if isinstance(supported, bool) else None,
            text=self.search.text(),
        )

    def refresh(self) -> None:
        """The list and its coverage (background)."""
        self._timer.stop()
        self._request += 1
        request = self._request
        service, filters = self._service, self.filters()
        run_op(self, lambda: service.list(filters), success=lambda f: self._loaded(request, f))

    def _loaded(self, request: int, found: SpecialList) -> None:
        if request != self._request:
            return
        self.model.set_rows(list(found.rows))
        coverage = found.coverage
        colour = "#1b6e20" if coverage.meets_target else "#b71c1c"
        self.coverage.setText(
            self.tr("{text} — chỉ tiêu {t} % ({p})").format(
                text=coverage.text, t=coverage.target_percent, p=coverage.period.label
            )
        )
        self.coverage.setStyleSheet(f"color: {colour};")
        self.hidden_note.setText(self.tr(found.hidden_note))
        self.hidden_note.setVisible(bool(found.hidden_note))
        self.status.setText(self.tr("{n} trẻ").format(n=len(found.rows)))
        self.loaded.emit(found)

    # -- forms ----------------------------------------------------------------------------

    def _selected(self) -> SpecialListRow | None:
        row = selected_row(self.table)
        if row is None:
            messages.show_message(self, self.tr("Hãy chọn một trẻ trong danh sách."))
        return row

    def open_episode(self, row: SpecialListRow | None) -> FormDialog:
        """A new episode (for ``row``'s child, or a child chosen in the form)."""
        dialog = SpecialEpisodeDialog(
            self._book,
            self.groups,
            person_id=row.person_id if row is not None else None,
            person_text=person_text(row) if row is not None else "",
            parent=self,
        )
        return self._show(dialog)

    def open_record(self) -> ChildProtectionDialog | None:
        """The selected child's episodes, risks and supports."""
        row = self._selected()
        if row is None:
            return None
        dialog = ChildProtectionDialog(
            self._book, row.person_id, person_text(row), self.groups, self
        )
        dialog.changed.connect(self.refresh)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = dialog
        dialog.open()
        return dialog

    def open_support(self) -> FormDialog | None:
        """One support to the selected child."""
        row = self._selected()
        if row is None:
            return None
        dialog = SupportDialog(
            self._book, person_id=row.person_id, person_text=person_text(row), parent=self
        )
        return self._show(dialog)

    def open_bulk(self) -> BulkSupportWizard:
        """A campaign."""
        wizard = BulkSupportWizard(self._book, self.groups, self)
        wizard.done_saving.connect(lambda _r: self.refresh())
        self.dialog = wizard
        wizard.open()
        return wizard

    def _show(self, dialog: FormDialog) -> FormDialog:
        dialog.saved.connect(lambda _id: self.refresh())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = dialog
        dialog.open()
        return dialog


class RiskView(QWidget):
    """Children at risk of falling into special circumstances."""

    loaded = Signal(int)

    def __init__(self, book: Book, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._book = book
        self._service = RiskService(book)
        self.categories: tuple[RiskCategory, ...] = ()
        self.dialog: QWidget | None = None
        self.category = FoldingComboBox()
        self.category.set_items([(self.tr("Mọi loại nguy cơ"), None)])
        self.category.setMinimumWidth(260)
        self.search = QLineEdit()
        self.search.setClearButtonEnabled(True)
        self.search.setPlaceholderText(self.tr("Tìm theo tên trẻ"))
        top = QHBoxLayout()
        top.addWidget(self.search, 2)
        top.addWidget(self.category, 2)
        self.model = ListModel([(tr(h), f) for h, f in RISK_COLUMNS], self)
        self.table = make_table(self.model, (200, 90, 130, 60))
        self.add_button = QPushButton(self.tr("Ghi trẻ có nguy cơ…"))
        self.add_button.setObjectName("primary")
        gate(self.add_button, book.user, Action.EDIT_PROTECTION)
        self.record_button = QPushButton(self.tr("Hồ sơ bảo vệ của trẻ"))
        self.record_button.setToolTip(
            self.tr(
                "Các nguy cơ, hoàn cảnh đặc biệt và trợ giúp của trẻ đã chọn: sửa, kết thúc, xóa."
            )
        )
        self.status = QLabel()
        self.status.setObjectName("hintLabel")
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.record_button)
        buttons.addStretch(1)
        buttons.addWidget(self.status)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.refresh)
        self.search.textChanged.connect(lambda _t: self._timer.start())
        self.category.currentIndexChanged.connect(lambda _i: self.refresh())
        self.add_button.clicked.connect(self.open_new)
        self.record_button.clicked.connect(self.open_record)
        self.table.activated.connect(lambda _i: self.open_record())
        self.groups: tuple[GroupChoice, ...] = ()

    def showEvent(self, event: QShowEvent) -> None:
        """Shown: read again."""
        super().showEvent(event)
        service, special = self._service, SpecialService(self._book)
        run_op(
            self,
            lambda: (service.categories(), special.groups()),
            success=self._categories_loaded,
        )
        self.refresh()

    def _categories_loaded(
        self, found: tuple[tuple[RiskCategory, ...], tuple[GroupChoice, ...]]
    ) -> None:
        categories, self.groups = found
        self.categories = categories
        current = self.category.current_data()
        self.category.blockSignals(True)
        self.category.set_items(
            [(self.tr("Mọi loại nguy cơ"), None)] + [(c.name, c.code) for c in categories]
        )
        self.category.set_current_data(current)
        self.category.blockSignals(False)

    def refresh(self) -> None:
        """The list (background)."""
        code = self.category.current_data()
        filters = RiskFilter(
            category_code=code if isinstance(code, str) else None, text=self.search.text()
        )
        service = self._service
        run_op(self, lambda: service.list(filters), success=self._loaded)

    def _loaded(self, rows: tuple[RiskListRow, ...]) -> None:
        self.model.set_rows(list(rows))
        self.status.setText(self.tr("{n} trẻ").format(n=len(rows)))
        self.loaded.emit(len(rows))

    def open_record(self) -> ChildProtectionDialog | None:
        """The selected child's record, on its risks."""
        row = selected_row(self.table)
        if row is None:
            messages.show_message(self, self.tr("Hãy chọn một trẻ trong danh sách."))
            return None
        dialog = ChildProtectionDialog(
            self._book, row.person_id, person_text(row), self.groups, self, tab=1
        )
        dialog.changed.connect(self.refresh)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = dialog
        dialog.open()
        return dialog

    def open_new(self) -> RiskEpisodeDialog:
        """A new risk episode for a child chosen in the form."""
        dialog = RiskEpisodeDialog(self._book, self.categories, parent=self)
        dialog.saved.connect(lambda _id: self.refresh())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = dialog
        dialog.open()
        return dialog


EPISODE_COLUMNS = [
    ("Nhóm", lambda e: e.group_name),
    ("Nhóm nhỏ", lambda e: e.subgroup_name),
    ("Từ ngày", lambda e: date_text(e.start_date)),
    ("Đến ngày", lambda e: date_text(e.end_date) or tr("nay")),
    ("Lý do kết thúc", lambda e: e.end_reason_label),
    ("Người xác minh", lambda e: e.verified_by),
]
RISK_EPISODE_COLUMNS = [
    ("Loại nguy cơ", lambda e: e.category_name),
    ("Từ ngày", lambda e: date_text(e.start_date)),
    ("Đến ngày", lambda e: date_text(e.end_date) or tr("nay")),
    ("Ghi chú", lambda e: e.note),
]
SUPPORT_COLUMNS = [
    ("Loại trợ giúp", lambda s: s.support_name),
    ("Ngày", lambda s: date_text(s.given_on)),
    ("Đến ngày", lambda s: date_text(s.end_date)),
    ("Đơn vị trợ giúp", lambda s: s.provider),
    ("Số tiền", lambda s: amount_text(s.amount)),
    ("Đợt", lambda s: s.campaign_name),
]


class ChildProtectionDialog(QDialog):
    """One child: special-circumstance episodes, risks and supports, each with its form."""

    changed = Signal()

    def __init__(
        self,
        book: Book,
        person_id: str,
        person: str,
        groups: Sequence[GroupChoice],
        parent: QWidget | None = None,
        *,
        tab: int = 0,
    ) -> None:
        super().__init__(parent)
        self._book = book
        self._person_id = person_id
        self._person = person
        self._groups = groups
        self._categories: tuple[RiskCategory, ...] = ()
        self.dialog: QWidget | None = None
        self.setWindowTitle(
            self.tr("Hồ sơ bảo vệ: {p}").format(p=person.split(" — ", maxsplit=1)[0])
        )
        heading = QLabel(person)
        heading.setObjectName("sectionTitle")
        heading.setWordWrap(True)
        self.episodes = ListModel([(tr(h), f) for h, f in EPISODE_COLUMNS], self)
        self.risks = ListModel([(tr(h), f) for h, f in RISK_EPISODE_COLUMNS], self)
        self.supports = ListModel([(tr(h), f) for h, f in SUPPORT_COLUMNS], self)
        self.episode_table = make_table(self.episodes, (240, 160, 90, 90, 110))
        self.risk_table = make_table(self.risks, (260, 90, 90))
        self.support_table = make_table(self.supports, (220, 90, 90, 160, 100))
        self.tabs = QTabWidget()
        user = book.user
        self.add_episode = QPushButton(self.tr("Thêm nhóm…"))
        self.edit_episode = QPushButton(self.tr("Sửa, kết thúc…"))
        self.remove_episode = QPushButton(self.tr("Xóa…"))
        self.add_risk = QPushButton(self.tr("Thêm nguy cơ…"))
        self.edit_risk = QPushButton(self.tr("Sửa, kết thúc…"))
        self.remove_risk = QPushButton(self.tr("Xóa…"))
        self.add_support = QPushButton(self.tr("Ghi trợ giúp…"))
        self.edit_support = QPushButton(self.tr("Sửa…"))
        self.remove_support = QPushButton(self.tr("Xóa…"))
        for button in (
            self.add_episode, self.edit_episode, self.remove_episode, self.add_risk,
            self.edit_risk, self.remove_risk, self.add_support, self.edit_support,
            self.remove_support,
        ):  # fmt: skip
            gate(button, user, Action.EDIT_PROTECTION)
        for title, table, buttons in (
            (self.tr("Hoàn cảnh đặc biệt"), self.episode_table,
             (self.add_episode, self.edit_episode, self.remove_episode)),
            (self.tr("Nguy cơ"), self.risk_table,
             (self.add_risk, self.edit_risk, self.remove_risk)),
            (self.tr("Trợ giúp đã nhận"), self.support_table,
             (self.add_support, self.edit_support, self.remove_support)),
        ):  # fmt: skip
            page = QWidget()
            inner = QVBoxLayout(page)
            inner.addWidget(table, 1)
            line = QHBoxLayout()
            for button in buttons:
                line.addWidget(button)
            line.addStretch(1)
            inner.addLayout(line)
            self.tabs.addTab(page, title)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.button(QDialogButtonBox.StandardButton.Close).setText(self.tr("Đóng"))
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(close)
        self.add_episode.clicked.connect(lambda: self._episode(None))
        self.edit_episode.clicked.connect(self._edit_selected)
        self.episode_table.activated.connect(lambda _i: self._edit_selected())
        self.remove_episode.clicked.connect(self._remove_episode)
        self.add_risk.clicked.connect(lambda: self._risk(None))
        self.edit_risk.clicked.connect(self._edit_risk)
        self.risk_table.activated.connect(lambda _i: self._edit_risk())
        self.remove_risk.clicked.connect(self._remove_risk)
        self.add_support.clicked.connect(lambda: self._support(None))
        self.edit_support.clicked.connect(self._edit_support)
        self.support_table.activated.connect(lambda _i: self._edit_support())
        self.remove_support.clicked.connect(self._remove_support)
        self.tabs.setCurrentIndex(tab)
        resize_to_fit(self, 900, 540)
        self.reload()

    def reload(self) -> None:
        """The child's episodes, risks and supports (background)."""
        pid, book = self._person_id, self._book

        def work() -> tuple[object, object, object, object]:
            risks = RiskService(book)
            return (
                SpecialService(book).episodes_of(pid),
                risks.episodes_of(pid),
                SupportService(book).of_child(pid),
                risks.categories(),
            )

        run_op(self, work, success=self._loaded)

    def _loaded(self, found: tuple[list, list, list, tuple]) -> None:  # type: ignore[type-arg]
        episodes, risks, supports, categories = found
        self.episodes.set_rows(episodes)
        self.risks.set_rows(risks)
        self.supports.set_rows(supports)
        self._categories = categories
        self.tabs.setTabText(0, self.tr("Hoàn cảnh đặc biệt ({n})").format(n=len(episodes)))
        self.tabs.setTabText(1, self.tr("Nguy cơ ({n})").format(n=len(risks)))
        self.tabs.setTabText(2, self.tr("Trợ giúp đã nhận ({n})").format(n=len(supports)))

    def _form_saved(self, _id: object) -> None:
        self.reload()
        self.changed.emit()

    def _opened(self, dialog: FormDialog) -> FormDialog:
        dialog.saved.connect(self._form_saved)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = dialog
        dialog.open()
        return dialog

    def _episode(self, episode: object) -> FormDialog:
        from desktop.core.services.protection import SpecialEpisodeView

        return self._opened(
            SpecialEpisodeDialog(
                self._book,
                self._groups,
                person_id=self._person_id,
                person_text=self._person,
                episode=episode if isinstance(episode, SpecialEpisodeView) else None,
                editable=self.add_episode.isEnabled(),
                reason=self.add_episode.toolTip() if not self.add_episode.isEnabled() else "",
                parent=self,
            )
        )

    def _edit_selected(self) -> FormDialog | None:
        episode = selected_row(self.episode_table)
        if episode is None:
            messages.show_message(self, self.tr("Hãy chọn một dòng hoàn cảnh đặc biệt."))
            return None
        return self._episode(episode)

    def _risk(self, episode: RiskEpisodeView | None) -> FormDialog:
        return self._opened(
            RiskEpisodeDialog(
                self._book,
                self._categories,
                person_id=self._person_id,
                person_text=self._person,
                episode=episode,
                editable=self.add_risk.isEnabled(),
                reason=self.add_risk.toolTip() if not self.add_risk.isEnabled() else "",
                parent=self,
            )
        )

    def _edit_risk(self) -> FormDialog | None:
        episode = selected_row(self.risk_table)
        if episode is None:
            messages.show_message(self, self.tr("Hãy chọn một dòng nguy cơ."))
            return None
        return self._risk(episode)

    def _support(self, support: SupportView | None) -> FormDialog:
        return self._opened(
            SupportDialog(
                self._book,
                person_id=self._person_id,
                person_text=self._person,
                support=support,
                parent=self,
            )
        )

    def _edit_support(self) -> FormDialog | None:
        support = selected_row(self.support_table)
        if support is None or not self.edit_support.isEnabled():
            if support is None:
                messages.show_message(self, self.tr("Hãy chọn một dòng trợ giúp."))
            return None
        return self._support(support)

    # -- removing what was typed in error --------------------------------------------------

    def _remove(self, what: str, remove: Callable[[str], object]) -> RemoveDialog:
        name = self._person.split(" — ", maxsplit=1)[0]
        dialog = open_remove(self, f"{what} — {name}", remove, self._removed)
        self.dialog = dialog
        return dialog

    def _removed(self) -> None:
        self.reload()
        self.changed.emit()

    def _remove_episode(self) -> RemoveDialog | None:
        episode = selected_row(self.episode_table)
        if episode is None:
            messages.show_message(self, self.tr("Hãy chọn một dòng hoàn cảnh đặc biệt."))
            return None
        service, episode_id = SpecialService(self._book), episode.id
        what = self.tr("{g}, từ {d}").format(g=episode.group_name, d=date_text(episode.start_date))
        return self._remove(what, lambda reason: service.remove(episode_id, reason))

    def _remove_risk(self) -> RemoveDialog | None:
        episode = selected_row(self.risk_table)
        if episode is None:
            messages.show_message(self, self.tr("Hãy chọn một dòng nguy cơ."))
            return None
        service, episode_id = RiskService(self._book), episode.id
        what = self.tr("Nguy cơ: {c}, từ {d}").format(
            c=episode.category_name, d=date_text(episode.start_date)
        )
        return self._remove(what, lambda reason: service.remove(episode_id, reason))

    def _remove_support(self) -> RemoveDialog | None:
        support = selected_row(self.support_table)
        if support is None:
            messages.show_message(self, self.tr("Hãy chọn một dòng trợ giúp."))
            return None
        service, support_id = SupportService(self._book), support.id
        what = self.tr("Trợ giúp: {s}, ngày {d}").format(
            s=support.support_name, d=date_text(support.given_on)
        )
        return self._remove(what, lambda reason: service.remove(support_id, reason))
