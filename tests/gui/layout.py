"""One layout check for every screen and dialog: nothing an officer must read is cut short.

``layout_problems(window)`` walks the visible widgets of a shown window and names each text
that does not get the room it needs:

- a label on one line narrower than its text, or a wrapped label shorter than its lines;
- a button, check box or radio button narrower than its text and icon;
- a tab whose title is elided;
- a column header narrower than its title;
- a group box narrower than its title;
- a widget cut off by the edge of its parent (outside a scroll area, where that is normal).

``screen_problems(window)`` adds: the window is larger than the screen's usable area.

Run at 1366×768 at 100 % and at 125 % (a 1093×614 logical screen) by tests/gui/test_layout.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractScrollArea,
    QApplication,
    QGroupBox,
    QLabel,
    QPushButton,
    QTabBar,
    QWidget,
)

from desktop.ui.screen import TASKBAR_AND_FRAME


def _name(widget: QWidget, text: str = "") -> str:
    kind = type(widget).__name__
    label = " ".join((text or widget.objectName() or "").split())
    return f"{kind} «{label[:60]}»"


def _inside_scroll_area(widget: QWidget, root: QWidget) -> bool:
    parent = widget.parentWidget()
    while parent is not None and parent is not root:
        if isinstance(parent, QAbstractScrollArea) and not isinstance(parent, QAbstractItemView):
            return True
        parent = parent.parentWidget()
    return False


def _label_problem(label: QLabel) -> str | None:
    text = label.text()
    if not text or (label.pixmap() is not None and not label.pixmap().isNull()):
        return None
    if label.wordWrap():
        need = label.heightForWidth(label.width())
        if need > label.height() + 1:
            return f"{_name(label, text)}: cao {label.height()} px, cần {need} px"
        return None
    need = label.minimumSizeHint().width()
    if need > label.width():
        return f"{_name(label, text)}: rộng {label.width()} px, cần {need} px"
    return None


def _button_problem(button: QAbstractButton) -> str | None:
    text = button.text().replace("&&", "\0").replace("&", "").replace("\0", "&")
    if not text:
        return None
    if isinstance(button, QPushButton):
        # The text and icon with a little padding: the theme's min-width is a wish, and a
        # small fixed-width button ("…", "Xóa") is fine while its text fits.
        icon = button.iconSize().width() + 4 if not button.icon().isNull() else 0
        need = button.fontMetrics().horizontalAdvance(text) + icon + 8
    else:
        need = button.minimumSizeHint().width()
    if need > button.width():
        return f"{_name(button, button.text())}: rộng {button.width()} px, cần {need} px"
    return None


def _tab_problems(bar: QTabBar) -> list[str]:
    problems = []
    for index in range(bar.count()):
        if not bar.isTabVisible(index):
            continue
        need = bar.tabSizeHint(index).width()
        have = bar.tabRect(index).width()
        if bar.elideMode() != Qt.TextElideMode.ElideNone and have < need:
            problems.append(f"{_name(bar, bar.tabText(index))}: thẻ rộng {have} px, cần {need} px")
    return problems


def _header_problems(view: QAbstractItemView) -> list[str]:
    header = getattr(view, "horizontalHeader", None)
    model = view.model()
    if header is None or model is None:
        return []
    header = header()
    if not header.isVisible():
        return []
    metrics = header.fontMetrics()
    problems = []
    for column in range(model.columnCount()):
        if header.isSectionHidden(column) or header.sectionSize(column) == 0:
            continue
        title = model.headerData(column, Qt.Orientation.Horizontal)
        if not title:
            continue
        need = max(metrics.horizontalAdvance(line) for line in str(title).splitlines())
        if header.sectionSize(column) < need:
            problems.append(
                f"{_name(view, str(title))}: cột rộng {header.sectionSize(column)} px, "
                f"cần {need} px"
            )
    return problems


def _cut_by_parent(widget: QWidget, root: QWidget) -> str | None:
    parent = widget.parentWidget()
    if parent is None or widget.isWindow() or _inside_scroll_area(widget, root):
        return None
    if isinstance(parent, QAbstractScrollArea) or isinstance(widget, QTabBar):
        return None  # a scroll area's own parts; a tab bar scrolls its tabs
    inside = QRect(0, 0, parent.width(), parent.height())
    geometry = widget.geometry()
    if widget.sizePolicy().horizontalPolicy() is None or inside.contains(geometry):
        return None
    if geometry.width() <= 1 or geometry.height() <= 1:
        return None
    text = getattr(widget, "text", lambda: "")()
    return (
        f"{_name(widget, text if isinstance(text, str) else '')}: "
        f"vượt ra ngoài {type(parent).__name__} ({geometry.getRect()} ngoài {inside.getRect()})"
    )


def layout_problems(window: QWidget) -> list[str]:
    """Every text of the shown ``window`` that is elided or clipped, in words."""
    QApplication.processEvents()
    problems: list[str] = []
    for widget in window.findChildren(QWidget):
        if not widget.isVisible() or widget.window() is not window:
            continue
        problem: str | None = None
        if isinstance(widget, QLabel):
            problem = _label_problem(widget)
        elif isinstance(widget, QAbstractButton):
            problem = _button_problem(widget)
        elif isinstance(widget, QTabBar):
            problems += _tab_problems(widget)
        elif isinstance(widget, QGroupBox) and widget.title():
            need = widget.fontMetrics().horizontalAdvance(widget.title()) + 16
            if widget.width() < need:
                problem = f"{_name(widget, widget.title())}: rộng {widget.width()}, cần {need}"
        if isinstance(widget, QAbstractItemView):
            problems += _header_problems(widget)
        if problem is None:
            problem = _cut_by_parent(widget, window)
        if problem:
            problems.append(problem)
    return problems


def screen_problems(window: QWidget) -> list[str]:
    """``layout_problems`` and whether the window fits the screen's usable area."""
    problems = layout_problems(window)
    screen = window.screen() or QApplication.primaryScreen()
    area = screen.availableGeometry()
    max_w = area.width() - TASKBAR_AND_FRAME.width()
    max_h = area.height() - TASKBAR_AND_FRAME.height()
    if window.width() > max_w or window.height() > max_h:
        problems.insert(
            0,
            f"{_name(window, window.windowTitle())}: cửa sổ {window.width()}×{window.height()}, "
            f"màn hình cho {max_w}×{max_h}",
        )
    return problems


ROOT = Path(__file__).resolve().parents[2]


def offscreen_platform(folder: Path, width: int = 1366, height: int = 768) -> str:
    """QT_QPA_PLATFORM for Qt's offscreen platform with one screen of ``width``×``height``."""
    config = folder / "man-hinh.json"
    screen = {"name": f"{width}x{height}", "x": 0, "y": 0, "width": width, "height": height}
    screen |= {"logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}
    config.write_text(json.dumps({"screens": [screen]}), encoding="utf-8")
    return f"offscreen:configfile={config}"


def run_on_a_1366x768_screen(
    module: Path, tmp_path: Path, **env: str
) -> subprocess.CompletedProcess[str]:
    """``pytest module`` in a process of its own, on a 1366×768 offscreen screen (Qt reads the
    screen and QT_SCALE_FACTOR once, when the application starts), with ``env`` added."""
    environment = dict(os.environ, QT_QPA_PLATFORM=offscreen_platform(tmp_path), **env)
    if "QT_SCALE_FACTOR" not in env:
        environment.pop("QT_SCALE_FACTOR", None)
    for name in ("PYTEST_XDIST_WORKER", "PYTEST_XDIST_TESTRUNUID", "COV_CORE_SOURCE"):
        environment.pop(name, None)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=",
         "--basetemp", str(tmp_path / "t"), str(module)],
        cwd=ROOT, env=environment, capture_output=True, text=True, encoding="utf-8",
        timeout=600, check=False,
    )  # fmt: skip
