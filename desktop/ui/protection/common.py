"""Small pieces the protection screens share: role gates, code lists, clock texts, tables."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QHeaderView,
    QPushButton,
    QTableView,
    QWidget,
)

from desktop.core.domain.dates import format_vn_date
from desktop.core.domain.permissions import Action, PermissionDenied, require
from desktop.core.services.book import CurrentUser
from desktop.ui.rows_model import RowsModel
from desktop.ui.widgets import FoldingComboBox
from sync import clock

CONTEXT = "Protection"


def tr(text: str) -> str:
    """Translate in the protection screens' context."""
    return QCoreApplication.translate(CONTEXT, text)


def denied_reason(user: CurrentUser, action: Action) -> str:
    """Why ``user`` may not do ``action`` (the service's own message), or "" if allowed."""
    try:
        require(user.role, action)
    except PermissionDenied as exc:
        return exc.message_vi
    return ""


def gate(widget: QWidget, user: CurrentUser, action: Action, *, hide: bool = False) -> bool:
    """Disable (or hide) ``widget`` with the reason as tooltip unless ``user`` may ``action``."""
    reason = denied_reason(user, action)
    if reason:
        if hide:
            widget.hide()
        widget.setEnabled(False)
        widget.setToolTip(reason)
        if isinstance(widget, QAbstractButton):
            widget.setProperty("deniedReason", reason)
    return not reason


def export_button(parent: QWidget, book: Any, kind: Any, file_name: str) -> QPushButton:
    """ "Xuất Excel…" for a protection list (``ListKind``): for the case list, the consent
    basis first; then where, a password, and the file.

    Hidden for roles without EXPORT (the service refuses them too).
    """
    from pathlib import Path

    from desktop.core.services.protection import ProtectionExportService
    from desktop.ui.ops import run_op
    from desktop.ui.printing.files import ask_protection, choose_save_path, offer_to_open
    from desktop.ui.protection.consent import ask_export_basis

    button = QPushButton(tr("Xuất Excel…"))
    gate(button, book.user, Action.EXPORT, hide=True)
    service = ProtectionExportService(book)

    def write(path: Path, password: str | None, basis: Any) -> None:
        run_op(
            parent,
            lambda: service.export_xlsx(kind, path, password, basis),
            success=lambda done: offer_to_open(parent, Path(done), tr("danh sách")),
            label=tr("Đang xuất danh sách…"),
        )

    def where(basis: Any) -> None:
        choose_save_path(
            parent,
            tr("Xuất danh sách ra Excel"),
            file_name,
            lambda path: ask_protection(parent, lambda p: write(path, p.password or None, basis)),
        )

    def start() -> None:
        # A list with children's case data asks first on what basis it may leave the book.
        if service.needs_basis(kind):
            ask_export_basis(parent, lambda: service.consent_gaps(kind), where)
        else:
            where(None)

    button.clicked.connect(start)
    return button


def fill_codes(
    combo: FoldingComboBox,
    items: Iterable[Any],
    *,
    first: tuple[str, object] | None = None,
    code: Callable[[Any], str] = lambda c: c.code,
    name: Callable[[Any], str] = lambda c: c.name,
    parent: Callable[[Any], str | None] = lambda c: getattr(c, "parent_code", None),
) -> None:
    """Offer ``items`` (code lists); sub-codes are indented under their parent."""
    entries: list[tuple[str, object]] = [first] if first is not None else []
    for item in items:
        indent = "    " if parent(item) else ""
        entries.append((f"{indent}{name(item)}", code(item)))
    combo.set_items(entries)


def duration_text(delta: timedelta) -> str:
    """A span as "3 ngày 4 giờ", "5 giờ 20 phút", "12 phút" (never negative)."""
    minutes = max(0, int(delta.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return (
            tr("{d} ngày {h} giờ").format(d=days, h=hours)
            if hours
            else tr("{d} ngày").format(d=days)
        )
    if hours:
        return (
            tr("{h} giờ {m} phút").format(h=hours, m=mins)
            if mins
            else tr("{h} giờ").format(h=hours)
        )
    return tr("{m} phút").format(m=mins)


def local_text(at: datetime | None) -> str:
    """dd/mm/yyyy HH:MM in Vietnam's time ("" for None)."""
    if at is None:
        return ""
    if at.tzinfo is not None:
        at = clock.to_local(at)
    return at.strftime("%d/%m/%Y %H:%M")


def date_text(value: date | None) -> str:
    """dd/mm/yyyy ("" for None)."""
    return format_vn_date(value)


STATE_COLOURS = {"overdue": "#b71c1c", "due_soon": "#a15c00", "soon": "#a15c00", "met": "#1b6e20"}


class ListModel(RowsModel[Any]):
    """Rows of frozen dataclasses with (header, text, [colour]) columns."""

    context = CONTEXT

    def __init__(
        self,
        columns: Sequence[tuple[str, Callable[[Any], str]]],
        parent: Any = None,
        *,
        colour: Callable[[Any], str | None] | None = None,
    ) -> None:
        super().__init__(parent)
        self.columns = list(columns)
        self._colour = colour

    def rows(self) -> list[Any]:
        """Every row shown."""
        return [self.row_at(i) for i in range(self.rowCount())]

    def cell(self, item: Any, column: int, role: int) -> Any:
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self.columns[column][1](item)
        if role == Qt.ItemDataRole.ForegroundRole and self._colour is not None:
            found = self._colour(item)
            return QColor(found) if found else None
        return None


def make_table(model: ListModel, widths: Sequence[int] = ()) -> QTableView:
    """A read-only, whole-row table; the last column stretches."""
    table = QTableView()
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(26)
    header = table.horizontalHeader()
    header.setHighlightSections(False)
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    for column, width in enumerate(widths):
        header.resizeSection(column, width)
    header.setStretchLastSection(True)
    return table


def selected_row(table: QTableView) -> Any | None:
    """The item on the selected row of ``table`` (None if none)."""
    model = table.model()
    index = table.currentIndex()
    if not isinstance(model, ListModel) or not index.isValid():
        return None
    if index.row() >= model.rowCount():
        return None
    return model.row_at(index.row())
