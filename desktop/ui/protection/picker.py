"""Choosing a child of the book by typing part of a name (accents optional)."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.domain.dates import format_vn_date
from desktop.core.services.book import Book
from desktop.core.services.book_index import ChildQuery
from desktop.core.services.children import ChildListRow, ChildService
from desktop.ui.ops import run_op
from sync import clock

SEARCH_DELAY_MS = 150
SHOWN = 12  # children offered at a time


def child_text(row: ChildListRow) -> str:
    """ "Nguyễn Văn An — 15/06/2015, Thôn Đông, hộ số 3"."""
    parts = [format_vn_date(row.birth_date)]
    if row.hamlet_name:
        parts.append(row.hamlet_name)
    if row.household_number:
        parts.append(f"hộ số {row.household_number}")
    return f"{row.full_name} — {', '.join(p for p in parts if p)}"


class ChildPicker(QWidget):
    """A search box, the matching children, the one chosen. ``chosen(id or "")``."""

    chosen = Signal(str)
    searched = Signal(int)  # number of children offered (tests wait on it)

    def __init__(
        self,
        book: Book,
        parent: QWidget | None = None,
        *,
        population: str = "children",
        today: date | None = None,
    ) -> None:
        super().__init__(parent)
        self._service = ChildService(book)
        self._population = population
        self._today = today
        self._request = 0
        self.person_id: str | None = None
        self.person_name = ""
        self.search = QLineEdit()
        self.search.setClearButtonEnabled(True)
        self.search.setPlaceholderText(self.tr("Gõ tên trẻ để tìm (không dấu được)"))
        self.results = QListWidget()
        self.results.setMaximumHeight(130)
        self.results.hide()
        self.picked = QLabel()
        self.picked.setWordWrap(True)
        self.picked.setObjectName("okLabel")
        self.change_button = QPushButton(self.tr("Chọn trẻ khác"))
        self.change_button.setAutoDefault(False)
        self.change_button.hide()
        picked_line = QHBoxLayout()
        picked_line.setContentsMargins(0, 0, 0, 0)
        picked_line.addWidget(self.picked, 1)
        picked_line.addWidget(self.change_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.search)
        layout.addWidget(self.results)
        layout.addLayout(picked_line)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.look_up)
        self.search.textEdited.connect(lambda _t: self._timer.start())
        self.search.returnPressed.connect(self._take_first)
        self.results.itemActivated.connect(self._take)
        self.results.itemClicked.connect(self._take)
        self.change_button.clicked.connect(self.clear)

    def look_up(self) -> None:
        """Search the book for what is typed (background)."""
        self._timer.stop()
        text = self.search.text().strip()
        self._request += 1
        request = self._request
        if not text:
            self.results.clear()
            self.results.hide()
            return
        service, today = self._service, self._today or clock.today()
        query = ChildQuery(text=text, population=self._population)

        def work() -> list[ChildListRow]:
            return service.rows(service.search(query, today)[:SHOWN], today)

        run_op(self, work, success=lambda rows: self._found(request, rows))

    def _found(self, request: int, rows: list[ChildListRow]) -> None:
        if request != self._request:
            return
        self.results.clear()
        for row in rows:
            item = QListWidgetItem(child_text(row))
            item.setData(Qt.ItemDataRole.UserRole, (row.id, row.full_name))
            self.results.addItem(item)
        if not rows:
            item = QListWidgetItem(self.tr("Không có trẻ nào khớp với “{t}”.").format(
                t=self.search.text().strip()))  # fmt: skip
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.results.addItem(item)
        self.results.setVisible(True)
        self.searched.emit(len(rows))

    def _take_first(self) -> None:
        if self.results.count():
            self._take(self.results.item(0))

    def _take(self, item: QListWidgetItem) -> None:
        data = item.data(Qt.ItemDataRole.UserRole)
        if not data:
            return
        person_id, name = data
        self.set_child(person_id, item.text())
        self.person_name = name

    def set_child(self, person_id: str | None, text: str) -> None:
        """Show ``text`` as the child chosen (None: nobody)."""
        self.person_id = person_id
        self.person_name = text.split(" — ", maxsplit=1)[0] if text else ""
        self.results.hide()
        self.search.setVisible(person_id is None)
        self.picked.setText(text)
        self.picked.setVisible(bool(text))
        self.change_button.setVisible(person_id is not None and self.isEnabled())
        self.chosen.emit(person_id or "")

    def clear(self) -> None:
        """Choose again."""
        self.set_child(None, "")
        self.search.clear()
        self.search.setFocus()
