"""Where a home-screen line leads: the main window's area, filtered as the line says."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.core.domain.dates import format_vn_date
from desktop.core.services.book import Book
from desktop.core.services.children import ChildListRow, ChildService
from desktop.ui.children.profile import ChildProfileDialog
from desktop.ui.children.view import ChildrenView
from desktop.ui.home.summary import Target
from desktop.ui.home.view import HomeView
from desktop.ui.ops import run_op
from desktop.ui.protection.area import ProtectionView
from desktop.ui.screen import resize_to_fit
from desktop.ui.security.backup_view import BackupView
from desktop.ui.security.table import RowsModel, configure_table
from sync import clock

if TYPE_CHECKING:
    from desktop.ui.main_window import MainWindow

# Other areas add their own routes (protection lists): area name → opener.
Router = Callable[["MainWindow", Target], bool]
ROUTES: dict[str, Router] = {}

PEOPLE_COLUMNS = [
    ("Họ và tên", lambda r: r.full_name),
    ("Ngày sinh", lambda r: format_vn_date(r.birth_date)),
    ("Thôn/Tổ", lambda r: r.hamlet_name),
    ("Số hộ", lambda r: r.household_number),
    ("Chủ hộ", lambda r: r.head_name),
]


def _tr(text: str) -> str:
    return QCoreApplication.translate("HomeView", text)


class PeopleDialog(QDialog):
    """A fixed list of children (e.g. turning 16 this month); Enter opens the profile."""

    def __init__(self, book: Book, title: str, ids: tuple[str, ...], parent: QWidget) -> None:
        super().__init__(parent)
        self._book = book
        self.setWindowTitle(title)
        heading = QLabel(title)
        heading.setObjectName("sectionTitle")
        heading.setWordWrap(True)
        columns = [(_tr(header), cell) for header, cell in PEOPLE_COLUMNS]
        self.model: RowsModel[ChildListRow] = RowsModel(columns, self)
        self.table = QTableView()
        self.table.setModel(self.model)
        configure_table(self.table)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.activated.connect(lambda index: self.open_profile(index.row()))
        hint = QLabel(self.tr("Nhấn đúp (hoặc Enter) vào một dòng để xem hồ sơ."))
        hint.setObjectName("hintLabel")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText(self.tr("Đóng"))
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.table, 1)
        layout.addWidget(hint)
        layout.addWidget(buttons)
        resize_to_fit(self, 760, 480)
        service, today = ChildService(book), clock.today()
        run_op(self, lambda: service.rows(list(ids), today), success=self.model.set_rows)

    def open_profile(self, row: int) -> ChildProfileDialog:
        """The profile of the child on ``row``."""
        person = self.model.row_at(row)
        dialog = ChildProfileDialog(self._book, person.id, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog


def _area(window: MainWindow, kind: type[QWidget]) -> QWidget | None:
    for _title, widget in window.areas:
        if isinstance(widget, kind):
            return widget
    return None


def _protection(window: MainWindow, target: Target) -> QWidget | None:
    area = _area(window, ProtectionView)
    if not isinstance(area, ProtectionView):
        return None
    window.show_area(area)
    options = dict(target.options)
    if target.area == "special":
        special = area.special
        area.show_tab(special)
        special.group.setCurrentIndex(0)
        special.hamlet.setCurrentIndex(0)
        special.search.clear()
        wanted = {"no": False, "yes": True}.get(options.get("supported", ""))
        special.supported.set_current_data(wanted)
        special.refresh()
        return special
    cases = area.cases
    area.show_tab(cases)
    cases.search.clear()
    cases.state.setCurrentIndex(0)
    cases.year.setCurrentIndex(0)
    cases.overdue_only.setChecked(options.get("overdue") == "yes")
    cases.refresh()
    if target.area == "case" and target.ids:
        return cases.open_case(target.ids[0])
    return cases


def open_target(window: MainWindow, target: Target) -> QWidget | None:
    """Show the list ``target`` names; returns the area or dialog shown (None: not allowed)."""
    if target.area in ROUTES:
        return window if ROUTES[target.area](window, target) else None
    if target.area in ("special", "cases", "case"):
        return _protection(window, target)
    if target.area == "reports":
        window.show_area(window.reports)
        return window.reports
    if target.area == "periodic":
        window.show_area(window.periodic)
        if target.ids:
            window.periodic.select_period(target.ids[0])
        return window.periodic
    if target.area == "turning16":
        dialog = PeopleDialog(
            window.book, _tr("Trẻ đủ 16 tuổi trong tháng này"), target.ids, window
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog
    if target.area == "children":
        children = _area(window, ChildrenView)
        if not isinstance(children, ChildrenView):
            return None
        filters = children.filters
        for combo in filters.combos():
            combo.blockSignals(True)
            combo.setCurrentIndex(0)
            combo.blockSignals(False)
        filters.search.clear()
        if target.flag:
            filters.flag.blockSignals(True)
            filters.flag.set_current_data(target.flag)
            filters.flag.blockSignals(False)
        window.show_area(children)
        children.refresh()
        return children
    if target.area == "sync":
        window.show_area(window.sync)
        return window.sync
    if target.area == "backup":
        backup = _area(window, BackupView)
        if backup is not None:
            window.show_area(backup)
        return backup
    return None


def install_home(window: MainWindow, home: HomeView) -> None:
    """Each line of the home screen opens its list in ``window``."""
    home.open_requested.connect(lambda target: open_target(window, target))
