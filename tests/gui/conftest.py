"""GUI fixtures: the Vietnamese application, books closed only after background work ends."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from desktop.ui import ops
from desktop.ui.app import make_application

# The offscreen platform cannot raise windows or grab the keyboard; Qt says so with a
# warning that says nothing about our code (qt_log_level_fail=WARNING would fail on it).
OFFSCREEN_NOISE = (
    r"This plugin does not support propagateSizeHints\(\)",
    r"This plugin does not support raise\(\)",
    r"This plugin does not support grabbing the keyboard",
    r"This plugin does not support setParent\(\)",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Ignore the offscreen platform's "not supported" notices in GUI tests only."""
    for item in items:
        if "tests/gui" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.qt_log_ignore(*OFFSCREEN_NOISE))


@pytest.fixture(scope="session", autouse=True)
def vietnamese_app(qapp: QApplication) -> QApplication:
    """The test QApplication, themed and translated exactly like the real one."""
    return make_application(["sotreem-tests"])


def wait_for_ops(qtbot: Any, timeout: int = 20_000) -> None:
    """Wait until every background operation delivered its result to the GUI thread."""
    qtbot.waitUntil(lambda: ops.running_ops() == 0, timeout=timeout)


@pytest.fixture(autouse=True)
def _no_leftovers(qtbot: Any) -> Iterator[None]:
    """After each test: background work finished, stray top-level windows closed."""
    yield
    wait_for_ops(qtbot)
    assert ops.wait_for_all(20_000)
    for widget in QApplication.topLevelWidgets():
        if widget.isVisible():
            widget.close()


@pytest.fixture
def book(book: Any, qtbot: Any) -> Iterator[Any]:
    """The shared ``book`` fixture, closed only once the GUI's background work is done."""
    yield book
    wait_for_ops(qtbot)
    assert ops.wait_for_all(20_000)


def visible_message_boxes() -> list[QMessageBox]:
    """Message boxes currently shown (they are opened non-blocking)."""
    return [
        w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()
    ]


def wait_for_message(qtbot: Any, timeout: int = 10_000) -> QMessageBox:
    """Wait for a message box to appear and return it."""
    qtbot.waitUntil(lambda: bool(visible_message_boxes()), timeout=timeout)
    return visible_message_boxes()[-1]


def answer(box: QMessageBox, text: str) -> None:
    """Click the button of ``box`` whose text is ``text``."""
    for button in box.buttons():
        if button.text().replace("&", "") == text:
            button.click()
            return
    raise AssertionError(f"no button {text!r} in {[b.text() for b in box.buttons()]}")


def find_top_level(kind: type[QWidget]) -> list[QWidget]:
    """Visible top-level widgets of type ``kind``."""
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()]


@pytest.fixture
def log_records() -> Iterator[list[logging.LogRecord]]:
    """Every log record emitted during the test (to check no personal data is logged)."""
    records: list[logging.LogRecord] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Collect(level=logging.DEBUG)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield records
    root.removeHandler(handler)
    root.setLevel(old_level)


def type_text(widget: QWidget, text: str) -> None:
    """Type ``text`` key by key, Vietnamese letters included.

    QTest.keyClicks only knows ASCII (it asserts on "ễ"); Vietnamese input methods such as
    Unikey deliver each letter as a key event carrying the composed character, as here.
    """
    for char in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            event = QKeyEvent(kind, Qt.Key.Key_unknown, Qt.KeyboardModifier.NoModifier, char)
            QApplication.sendEvent(widget, event)


def is_closed(widget: QWidget) -> bool:
    """True once ``widget`` is hidden or deleted (dialogs delete themselves on close)."""
    return not shiboken6.isValid(widget) or not widget.isVisible()
