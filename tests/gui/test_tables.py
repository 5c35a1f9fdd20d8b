"""Column titles are never cut short: the application's one header watcher (desktop/ui/tables)."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import QHeaderView, QTableView

from desktop.ui.tables import title_width

TITLES = ["Họ và tên", "Tuổi", "Cảnh báo, tình trạng của hồ sơ"]


def _table(qtbot: Any) -> QTableView:
    model = QStandardItemModel(3, len(TITLES))
    model.setHorizontalHeaderLabels(TITLES)
    view = QTableView()
    view.setModel(model)
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.resizeSection(0, 300)
    header.resizeSection(1, 20)  # narrower than "Tuổi"
    header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
    view.setParent(None)
    qtbot.addWidget(view)
    return view


def test_a_narrow_column_is_widened_to_its_title(qtbot: Any) -> None:
    view = _table(qtbot)
    view.resize(900, 300)
    view.show()
    header = view.horizontalHeader()
    qtbot.waitUntil(lambda: header.sectionSize(1) >= title_width(header, 1))


def test_a_stretching_column_keeps_its_title_then_stretches_again(qtbot: Any) -> None:
    view = _table(qtbot)
    view.resize(360, 300)  # the stretching column would get almost nothing
    view.show()
    header = view.horizontalHeader()
    need = title_width(header, 2)
    qtbot.waitUntil(lambda: header.sectionSize(2) >= need)
    assert header.sectionResizeMode(2) == QHeaderView.ResizeMode.Interactive
    assert view.horizontalScrollBar().maximum() > 0  # the table scrolls sideways instead

    view.resize(1200, 300)
    qtbot.waitUntil(lambda: header.sectionResizeMode(2) == QHeaderView.ResizeMode.Stretch)
    qtbot.waitUntil(lambda: view.horizontalScrollBar().maximum() == 0)
    assert header.sectionSize(2) > need  # it takes the room left again
