"""Window sizes that fit the officers' screens (often 1366×768 with a taskbar)."""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

# What we design for: the common laptop panel of commune offices.
DESIGN_SCREEN = QSize(1366, 768)
TASKBAR_AND_FRAME = QSize(16, 80)  # Windows taskbar (~40 px) + title bar and borders


def available_geometry(widget: QWidget | None = None) -> QRect:
    """The usable desktop area of the screen ``widget`` is on (or the primary screen)."""
    screen = widget.screen() if widget is not None else None
    if screen is None:
        screen = QGuiApplication.primaryScreen()
    if screen is None:
        return QRect(0, 0, DESIGN_SCREEN.width(), DESIGN_SCREEN.height())
    return screen.availableGeometry()


def fit_size(width: int, height: int, widget: QWidget | None = None) -> QSize:
    """``width``×``height``, shrunk to fit the screen and the 1366×768 design target."""
    area = available_geometry(widget)
    max_w = min(area.width(), DESIGN_SCREEN.width()) - TASKBAR_AND_FRAME.width()
    max_h = min(area.height(), DESIGN_SCREEN.height()) - TASKBAR_AND_FRAME.height()
    return QSize(min(width, max_w), min(height, max_h))


def resize_to_fit(widget: QWidget, width: int, height: int) -> None:
    """Resize ``widget`` to at most ``width``×``height`` and centre it on its screen."""
    size = fit_size(width, height, widget)
    widget.resize(size)
    area = available_geometry(widget)
    widget.move(
        area.x() + max(0, (area.width() - size.width()) // 2),
        area.y() + max(0, (area.height() - size.height()) // 3),
    )
