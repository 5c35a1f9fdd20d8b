"""Look of the app: Fusion style, a readable 10 pt font with Vietnamese glyphs, a light palette."""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont, QIcon, QPalette
from PySide6.QtWidgets import QApplication

from resources import resource_path

# Fonts known to carry every Vietnamese letter, best first (Windows, then Linux fallbacks).
FONT_FAMILIES = ["Segoe UI", "Arial", "Liberation Sans", "DejaVu Sans", "Noto Sans"]
FONT_POINT_SIZE = 10.0

STYLE_SHEET = """
*[invalid="true"] { border: 2px solid #c62828; border-radius: 3px; background: #fff6f6; }
QLabel#errorLabel { color: #b71c1c; }
QLabel#problemSummary { color: #b71c1c; background: #fff3f3; border: 1px solid #f1b0b0;
    border-radius: 4px; padding: 6px; }
QLabel#hintLabel { color: #4b5563; }
QLabel#hintLabel[strength="weak"] { color: #a15c00; }
QLabel#hintLabel[strength="strong"] { color: #1b6e20; }
QLabel#okLabel { color: #1b6e20; }
QLabel#calmLabel { color: #1e3a8a; background: #eef4ff; border: 1px solid #c7d7fe;
    border-radius: 4px; padding: 8px; }
QLabel#pageTitle { font-size: 15pt; font-weight: 600; color: #1f2937; }
QLabel#sectionTitle { font-size: 11pt; font-weight: 600; color: #1f2937; }
QLabel#appTitle { font-size: 20pt; font-weight: 700; color: #0f4c81; }
QLabel#recoveryCode { background: #fffbe6; border: 2px dashed #b08900; border-radius: 6px;
    padding: 14px; color: #111827; }
QLabel#columnHeader { font-weight: 600; color: #374151; }
QLabel#rowNumber { color: #6b7280; }
QListWidget#navigation { background: #0f4c81; color: white; border: none;
    font-size: 11pt; padding-top: 8px; outline: 0; }
QListWidget#navigation::item { padding: 12px 14px; border-left: 4px solid transparent; }
QListWidget#navigation::item:selected { background: #1d6fb8; border-left: 4px solid #ffd166;
    color: white; }
QListWidget#navigation::item:hover:!selected { background: #145a96; }
QPushButton#primary { font-weight: 600; padding: 5px 14px; }
QPushButton#bigButton { font-size: 13pt; font-weight: 600; padding: 10px 28px; }
QWidget#removedRow QLineEdit, QWidget#removedRow QComboBox { color: #9ca3af; }
QStatusBar QLabel { padding: 0 8px; }
"""


def app_icon() -> QIcon:
    """The application icon (an open book with a child)."""
    return QIcon(str(resource_path("icons", "so-tre-em.svg")))


def apply_theme(app: QApplication) -> None:
    """Fusion everywhere (same look on every Windows version), readable font, style sheet."""
    app.setStyle("Fusion")
    font = QFont(app.font())
    font.setFamilies(FONT_FAMILIES)
    font.setPointSizeF(FONT_POINT_SIZE)
    app.setFont(font)
    palette = app.style().standardPalette()
    palette.setColor(QPalette.ColorRole.Window, QColor("#f4f6f8"))
    palette.setColor(QPalette.ColorRole.Base, QColor("#ffffff"))
    palette.setColor(QPalette.ColorRole.AlternateBase, QColor("#f0f4f9"))
    palette.setColor(QPalette.ColorRole.Highlight, QColor("#1d6fb8"))
    palette.setColor(QPalette.ColorRole.HighlightedText, QColor("#ffffff"))
    palette.setColor(QPalette.ColorRole.ToolTipBase, QColor("#fffbe6"))
    palette.setColor(QPalette.ColorRole.ToolTipText, QColor("#111827"))
    app.setPalette(palette)
    app.setStyleSheet(STYLE_SHEET)
    app.setWindowIcon(app_icon())
