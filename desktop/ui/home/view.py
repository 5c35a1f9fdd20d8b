"""The "Trang chủ" area: the first screen after login, what needs the officer today.

Every line is a button that opens its list (``open_requested(Target)``; the main window
routes it: desktop/ui/home/navigate.py). The lines are gathered in the background
(desktop/ui/home/summary.py) each time the screen is shown.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from desktop.core.domain.dates import format_vn_date
from desktop.core.services.book import Book
from desktop.core.sync_service import SyncService
from desktop.ui.changes import Change, on_change
from desktop.ui.home.summary import OK, OVERDUE, SOON, HomeLine, HomeSummary, Target, collect
from desktop.ui.ops import run_op
from sync import clock

_MARKS = {OVERDUE: "⬤", SOON: "⬤", OK: "✓"}
_COLOURS = {OVERDUE: "#b71c1c", SOON: "#a15c00", OK: "#1b6e20"}


class LineButton(QPushButton):
    """One line of the home screen: flat, left-aligned, wrapping, coloured by urgency."""

    def __init__(self, line: HomeLine, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.line = line
        self.setFlat(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setEnabled(line.target is not None)
        self.setToolTip(line.tooltip or (self.tr("Mở danh sách") if line.target else ""))
        mark = _MARKS.get(line.level, "•")
        colour = _COLOURS.get(line.level, "#1f2937")
        self.label = QLabel(f"{mark}  {line.text}")
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.label.setStyleSheet(f"color: {colour};")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self.label, 1)
        if line.target is not None:
            arrow = QLabel(self.tr("Mở ›"))
            arrow.setObjectName("hintLabel")
            arrow.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
            layout.addWidget(arrow)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
        self.setStyleSheet("QPushButton { text-align: left; border: none; }"
                           "QPushButton:hover { background: #e8f0fb; }")  # fmt: skip

    def sizeHint(self) -> QSize:
        """As tall as the wrapped text."""
        layout = self.layout()
        return layout.sizeHint() if layout is not None else super().sizeHint()

    def minimumSizeHint(self) -> QSize:
        """The wrapped text decides (never clipped)."""
        layout = self.layout()
        return layout.minimumSize() if layout is not None else super().minimumSizeHint()


class HomeView(QWidget):
    """What needs the officer today; ``open_requested(Target)`` when a line is clicked."""

    open_requested = Signal(object)
    loaded = Signal(object)  # the HomeSummary shown (tests wait on it)

    def __init__(
        self,
        book: Book,
        sync_service: SyncService | None = None,
        parent: QWidget | None = None,
        *,
        today: date | None = None,
    ) -> None:
        super().__init__(parent)
        self._book = book
        self._sync = sync_service
        self._today = today
        self._request = 0
        self.summary: HomeSummary | None = None
        self.buttons: dict[str, LineButton] = {}

        title = QLabel(self.tr("Trang chủ"))
        title.setObjectName("pageTitle")
        self.day_label = QLabel()
        self.day_label.setObjectName("hintLabel")
        self.refresh_button = QPushButton(self.tr("Làm mới"))
        self.refresh_button.clicked.connect(self.reload)
        # Whatever changes the book, its sync or its backups, the lines follow.
        on_change(self, (Change.BOOK, Change.SYNC, Change.BACKUPS), self.reload)
        head = QHBoxLayout()
        head.addWidget(title)
        head.addWidget(self.day_label, 1)
        head.addWidget(self.refresh_button)

        self.body = QWidget()
        self.body_layout = QVBoxLayout(self.body)
        self.body_layout.setContentsMargins(0, 0, 8, 0)
        self.body_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.body)
        self.waiting = QLabel(self.tr("Đang xem những việc cần làm…"))
        self.waiting.setObjectName("hintLabel")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 8)
        layout.addLayout(head)
        layout.addWidget(self.waiting)
        layout.addWidget(scroll, 1)

    def today(self) -> date:
        """The day the screen is about."""
        return self._today or clock.today()

    def showEvent(self, event: QShowEvent) -> None:
        """Shown again: read again (something may have been done meanwhile)."""
        super().showEvent(event)
        self.reload()

    def reload(self) -> None:
        """Gather the lines in the background."""
        self._request += 1
        request = self._request
        book, sync, today = self._book, self._sync, self.today()
        self.day_label.setText(self.tr("Hôm nay {d}").format(d=format_vn_date(today)))
        self.waiting.setVisible(self.summary is None)
        run_op(self, lambda: collect(book, today, sync), success=lambda s: self._show(request, s))

    def _show(self, request: int, summary: HomeSummary) -> None:
        if request != self._request:
            return
        self.summary = summary
        self.waiting.hide()
        while self.body_layout.count() > 1:
            item = self.body_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.buttons = {}
        at = 0
        for section in summary.sections:
            heading = QLabel(self.tr(section.title))
            heading.setObjectName("sectionTitle")
            self.body_layout.insertWidget(at, heading)
            at += 1
            if not section.lines and section.empty:
                empty = QLabel(self.tr(section.empty))
                empty.setObjectName("hintLabel")
                empty.setWordWrap(True)
                empty.setContentsMargins(8, 2, 8, 8)
                self.body_layout.insertWidget(at, empty)
                at += 1
            for line in section.lines:
                button = LineButton(line)
                button.clicked.connect(lambda _c=False, t=line.target: self._open(t))
                self.buttons[line.key] = button
                self.body_layout.insertWidget(at, button)
                at += 1
        self.loaded.emit(summary)

    def _open(self, target: Target | None) -> None:
        if target is not None:
            self.open_requested.emit(target)
