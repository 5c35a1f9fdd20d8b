"""Column titles that are never cut short, in every table of the app.

Each list sets its columns' widths for a 1366×768 screen, and lets one column (the address,
the warnings…) take what is left. On a narrower window — 125 % scaling leaves 1093×614 logical
pixels — what is left can be less than that column's title, and a fixed width can be less than
a longer title; Qt then elides the title ("Cảnh báo, tình tr…"). One filter, installed on the
application by ``make_application``, watches every table and tree as it is shown and resized:

- a column narrower than its title is widened to the title;
- a stretching column that would be narrower than its title stops stretching and keeps the
  title's width (the table scrolls sideways instead), and stretches again once there is room.

Officers can still drag a column narrower by hand; the filter only acts when the table's
geometry changes, never against a drag.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication, QHeaderView, QTableView, QTreeView

# Room around a title inside its section: the header's padding and the sort arrow.
TITLE_MARGIN = 24
_WATCHED = "_sotreem_readable_headers"
_WAS_STRETCH = "_sotreem_stretch_sections"


def title_width(header: QHeaderView, section: int) -> int:
    """The width ``section``'s title needs, its longest line plus the header's margins."""
    model = header.model()
    if model is None:
        return 0
    title = model.headerData(section, header.orientation(), Qt.ItemDataRole.DisplayRole)
    if not title:
        return 0
    metrics = header.fontMetrics()
    return max(metrics.horizontalAdvance(line) for line in str(title).splitlines()) + TITLE_MARGIN


def keep_titles_readable(header: QHeaderView) -> None:
    """Widen every visible column of ``header`` that is narrower than its title."""
    model = header.model()
    if model is None or header.orientation() != Qt.Orientation.Horizontal:
        return
    stretch: set[int] = getattr(header, _WAS_STRETCH, set())
    count = model.columnCount()
    last = count - 1
    for section in range(count):
        if header.isSectionHidden(section):
            continue
        mode = header.sectionResizeMode(section)
        is_stretch = mode == QHeaderView.ResizeMode.Stretch or (
            section == last and header.stretchLastSection()
        )
        need = title_width(header, section)
        if is_stretch:
            if header.sectionSize(section) < need:
                stretch.add(section)
                header.setSectionResizeMode(section, QHeaderView.ResizeMode.Interactive)
                if section == last:
                    header.setStretchLastSection(False)
                header.resizeSection(section, need)
        elif section in stretch:
            # It stretched before: give it back the room once the others leave enough.
            others = sum(
                header.sectionSize(s)
                for s in range(count)
                if s != section and not header.isSectionHidden(s)
            )
            if header.viewport().width() - others >= need:
                stretch.discard(section)
                header.setSectionResizeMode(section, QHeaderView.ResizeMode.Stretch)
        elif mode == QHeaderView.ResizeMode.Interactive and header.sectionSize(section) < need:
            header.resizeSection(section, need)
    setattr(header, _WAS_STRETCH, stretch)


class _ReadableHeaders(QObject):
    """Application-wide: every table or tree keeps its column titles readable."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.Show, QEvent.Type.Resize) and isinstance(
            watched, (QTableView, QTreeView)
        ):
            # After the view has laid out its header for the new size, not before.
            view = watched
            QTimer.singleShot(0, view, lambda: self._check(view))
        return False

    def _check(self, view: QTableView | QTreeView) -> None:
        header = view.horizontalHeader() if isinstance(view, QTableView) else view.header()
        if not getattr(header, _WATCHED, False):
            setattr(header, _WATCHED, True)
            header.sectionCountChanged.connect(lambda *_: keep_titles_readable(header))
        keep_titles_readable(header)


def install_readable_headers(app: QApplication) -> None:
    """Once per application (kept alive by the application)."""
    if getattr(app, "_sotreem_readable_headers", None) is None:
        watcher = _ReadableHeaders(app)
        app.installEventFilter(watcher)
        app._sotreem_readable_headers = watcher  # type: ignore[attr-defined]
