"""“Xuất Excel”: any list on screen to an .xlsx file, with a password for personal data.

For other screens (the children list, a report's drill-down …):

    button = ExportExcelButton(book, self.proxy, title="DANH SÁCH TRẺ EM",
                               file_name="danh-sach-tre-em.xlsx", parent=self)

or, to build the rows in the background from a service instead of from the view's model:

    export_table(self, book, lambda: ListTable(...), "danh-sach.xlsx")
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractListModel,
    QCoreApplication,
    QModelIndex,
    Qt,
)
from PySide6.QtWidgets import QPushButton, QWidget

from desktop.core.domain.dates import format_vn_date
from desktop.core.domain.permissions import Action
from desktop.core.reports.protect import ExportProtection
from desktop.core.reports.xlsx_list import ListColumn, ListTable
from desktop.core.services.book import Book
from desktop.core.services.exports import ExportedFile, ExportService
from desktop.ui.ops import run_op
from desktop.ui.printing.files import ask_protection, choose_save_path, offer_to_open
from sync import clock

# Widest a column gets in the file (characters), and the narrowest.
_MAX_WIDTH, _MIN_WIDTH = 45, 6


def _tr(text: str) -> str:
    return QCoreApplication.translate("ExportList", text)


def table_from_model(model: QAbstractItemModel, title: str, subtitle: str = "") -> ListTable:
    """The rows and headers a model shows (in the view's order, as displayed), as a table."""
    root = QModelIndex()
    # A list model has one column (and hides columnCount from Python).
    columns = 1 if isinstance(model, QAbstractListModel) else model.columnCount(root)
    headers = [
        str(model.headerData(c, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole) or "")
        for c in range(columns)
    ]
    rows: list[tuple[str, ...]] = []
    for r in range(model.rowCount(root)):
        rows.append(
            tuple(
                str(model.data(model.index(r, c), Qt.ItemDataRole.DisplayRole) or "")
                for c in range(columns)
            )
        )
    widths = []
    for c, header in enumerate(headers):
        longest = max([len(header), *(len(row[c]) for row in rows[:500])], default=8)
        widths.append(min(_MAX_WIDTH, max(_MIN_WIDTH, longest + 2)))
    return ListTable(
        title=title,
        subtitle=subtitle or _tr("Lập ngày {d}").format(d=format_vn_date(clock.today())),
        columns=[ListColumn(h, w) for h, w in zip(headers, widths, strict=True)],
        rows=rows,
    )


def export_table(
    parent: QWidget,
    book: Book,
    make_table: Callable[[], ListTable],
    file_name: str,
    *,
    personal: bool = True,
    on_done: Callable[[ExportedFile], object] | None = None,
) -> None:
    """Ask where to save, then a password (personal data), then write the list in the
    background; ``make_table`` runs on the worker thread."""

    def write(path: Path, protection: ExportProtection | None) -> None:
        service = ExportService(book)
        run_op(
            parent,
            lambda: service.export_list(make_table(), path, protection, personal=personal),
            success=lambda done: _exported(parent, done, on_done),
            label=_tr("Đang xuất danh sách ra Excel…"),
        )

    def chosen(path: Path) -> None:
        if personal:
            ask_protection(parent, lambda protection: write(path, protection))
        else:
            write(path, None)

    choose_save_path(parent, _tr("Lưu danh sách ra Excel"), file_name, chosen)


def _exported(
    parent: QWidget, done: ExportedFile, on_done: Callable[[ExportedFile], object] | None
) -> None:
    if on_done is not None:
        on_done(done)
    what = _tr("danh sách ({n} dòng)").format(n=done.rows)
    if done.protected:
        what += _tr(", có mật khẩu")
    offer_to_open(parent, done.path, what)


class ExportExcelButton(QPushButton):
    """A “Xuất Excel…” button that writes what ``model`` shows (in its current order)."""

    def __init__(
        self,
        book: Book,
        model: QAbstractItemModel,
        *,
        title: str,
        file_name: str,
        personal: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(_tr("Xuất Excel…"), parent)
        # Lists with personal data leave the app only with the EXPORT right (permissions.py).
        self.setVisible(book.user.may(Action.EXPORT) or not personal)
        self._book = book
        self._model = model
        self._title = title
        self._file_name = file_name
        self._personal = personal
        self.clicked.connect(self.export)

    def export(self) -> None:
        """Snapshot the rows shown now, then ask where to save them."""
        table = table_from_model(self._model, self._title)
        export_table(
            self.window(), self._book, lambda: table, self._file_name, personal=self._personal
        )
