"""Small widgets shared by the screens: date field, accent-insensitive combo, error labels."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import date

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QFocusEvent, QFont, QFontDatabase, QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from desktop.core.domain.dates import check_birth_date, format_vn_date, parse_vn_date
from desktop.core.domain.errors import ValidationError
from desktop.core.domain.passwords import password_problems
from desktop.core.domain.text import fold
from sync import clock

INVALID = "invalid"  # dynamic property styled by the app's style sheet (red border)


def set_invalid(widget: QWidget, message: str | None) -> None:
    """Mark ``widget`` as wrong (red border, message as tooltip) or clear the mark."""
    invalid = bool(message)
    if bool(widget.property(INVALID)) != invalid:
        widget.setProperty(INVALID, invalid)
        style = widget.style()
        style.unpolish(widget)
        style.polish(widget)
        widget.update()
    widget.setToolTip(message or "")


class ErrorLabel(QLabel):
    """A red, word-wrapped message under a field; hidden while empty."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("errorLabel")
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hide()

    def show_message(self, text: str | None) -> None:
        """Show ``text`` (or hide the label when there is nothing to say)."""
        self.setText(text or "")
        self.setVisible(bool(text))


class DateLineEdit(QLineEdit):
    """A date typed as dd/mm/yyyy or ddmmyyyy, checked when the field is left.

    No calendar popup: officers copy dates from paper and type faster than they click.
    A wrong date keeps the typed text and shows the reason (``problem``).
    """

    problem_changed = Signal(str)

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        label: str = "Ngày",
        birth_date: bool = False,
        today: date | None = None,
    ) -> None:
        super().__init__(parent)
        self._label = label
        self._birth_date = birth_date
        self._today = today
        self._problem = ""
        self.setPlaceholderText(self.tr("dd/mm/yyyy"))
        self.setMaxLength(12)
        self.editingFinished.connect(self.check)
        self.textEdited.connect(self._typed)

    def today(self) -> date:
        """The date future dates are compared with."""
        return self._today or clock.today()

    def value(self) -> date | None:
        """The date typed, or None if empty or not a valid date."""
        try:
            return self._parse()
        except ValidationError:
            return None

    def set_value(self, value: date | None) -> None:
        """Show ``value`` as dd/mm/yyyy."""
        self.setText(format_vn_date(value))
        self._set_problem("")

    @property
    def problem(self) -> str:
        """Why the typed text is not accepted ("" when it is fine or empty)."""
        return self._problem

    def check(self) -> bool:
        """Parse the text; reformat it as dd/mm/yyyy, or show why it is wrong."""
        if not self.text().strip():
            self._set_problem("")
            return True
        try:
            value = self._parse()
        except ValidationError as exc:
            self._set_problem(exc.message_vi)
            return False
        self.setText(format_vn_date(value))
        self._set_problem("")
        return True

    def _parse(self) -> date:
        value = parse_vn_date(self.text(), label=self._label)
        if self._birth_date:
            check_birth_date(value, self.today(), label=self._label)
        return value

    def _typed(self, _text: str) -> None:
        # Typing again clears the old complaint; the new text is checked on leaving.
        if self._problem:
            self._set_problem("")

    def _set_problem(self, message: str) -> None:
        if message != self._problem:
            self._problem = message
            set_invalid(self, message or None)
            self.problem_changed.emit(message)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        """Check on leaving even when Qt does not emit editingFinished (popup focus)."""
        super().focusOutEvent(event)
        if event.reason() != Qt.FocusReason.PopupFocusReason:
            self.check()


class FoldingComboBox(QComboBox):
    """A drop-down whose type-ahead ignores accents and case: "tay" finds "Tày".

    Typing matches the start of the item, then the start of any word in it ("mong" finds
    "Hmông" only through "Mông"-like words; "khome" finds "Khơ-me").
    """

    _RESET_AFTER_S = 1.0

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setEditable(False)
        self._typed = ""
        self._typed_at = 0.0
        self._keys: list[str] = []
        self.setMaxVisibleItems(15)

    def set_items(self, items: Sequence[tuple[str, object]]) -> None:
        """Replace the items with (text, data) pairs."""
        self.blockSignals(True)
        self.clear()
        for text, data in items:
            self.addItem(text, data)
        self.blockSignals(False)
        self._keys = [fold(self.itemText(i)) for i in range(self.count())]

    def current_data(self) -> object:
        """The data of the chosen item (None if none)."""
        return self.currentData()

    def set_current_data(self, data: object) -> bool:
        """Choose the item carrying ``data``; False if there is none."""
        index = self.findData(data)
        if index >= 0:
            self.setCurrentIndex(index)
        return index >= 0

    def search(self, text: str) -> int:
        """Index of the first item matching ``text`` (accent- and case-insensitive), or -1."""
        key = fold(text)
        if not key:
            return -1
        if len(self._keys) != self.count():
            self._keys = [fold(self.itemText(i)) for i in range(self.count())]
        for i, item in enumerate(self._keys):
            if item.startswith(key):
                return i
        for i, item in enumerate(self._keys):
            words = item.replace("-", " ").split()
            if any(word.startswith(key) for word in words):
                return i
        compact = key.replace(" ", "").replace("-", "")
        for i, item in enumerate(self._keys):
            if item.replace(" ", "").replace("-", "").startswith(compact):
                return i
        return -1

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Accent-insensitive type-ahead; other keys behave as usual."""
        text = event.text()
        mods = event.modifiers() & ~Qt.KeyboardModifier.ShiftModifier
        if text and text.isprintable() and not mods and (text.strip() or self._typed):
            now = time.monotonic()
            if now - self._typed_at > self._RESET_AFTER_S:
                self._typed = ""
            self._typed_at = now
            self._typed += text
            found = self.search(self._typed)
            if found < 0 and len(self._typed) > 1:
                # A new first letter starts a new search, as in Windows lists.
                self._typed = text
                found = self.search(self._typed)
            if found >= 0:
                self.setCurrentIndex(found)
            event.accept()
            return
        super().keyPressEvent(event)


class EnterMovesFocus(QObject):
    """Event filter: Enter in a field moves to the next field, like Tab (data entry habit)."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(watched, QWidget):
            key_event = event if isinstance(event, QKeyEvent) else None
            if (
                key_event is not None
                and key_event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
                and not key_event.modifiers() & Qt.KeyboardModifier.ControlModifier
                and not (isinstance(watched, QComboBox) and watched.view().isVisible())
            ):
                watched.focusNextChild()
                return True
        return super().eventFilter(watched, event)


class PasswordStrength(QWidget):
    """A live strength bar and the rules a password still breaks (``password_problems``)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bar = QProgressBar(self)
        self.bar.setRange(0, 4)
        self.bar.setTextVisible(False)
        self.bar.setFixedHeight(8)
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.label.setObjectName("hintLabel")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.bar)
        layout.addWidget(self.label)
        self.update_for("", "")

    def update_for(self, password: str, username: str) -> list[str]:
        """Re-evaluate ``password``; returns the remaining problems."""
        problems = password_problems(password, username) if password else []
        if not password:
            level, text, state = 0, self.tr("Ít nhất 10 ký tự, có cả chữ và số."), "empty"
        elif problems:
            level = max(1, 4 - len(problems))
            text, state = "\n".join(problems), "weak"
        else:
            level, text, state = 4, self.tr("Mật khẩu đủ mạnh."), "strong"
        self.bar.setValue(level)
        self.bar.setProperty("strength", state)
        self.label.setProperty("strength", state)
        for widget in (self.bar, self.label):
            widget.style().unpolish(widget)
            widget.style().polish(widget)
        self.label.setText(text)
        return problems

    def not_shown(self, messages: list[str]) -> list[str]:
        """``messages`` this widget does not already list (a rule the live check shows is
        not repeated under the field when the service refuses the password)."""
        shown = set(self.label.text().split("\n"))
        return [m for m in messages if m not in shown]


def monospace_font(point_size: float) -> QFont:
    """The system's fixed-width font at ``point_size`` (recovery codes, numbers)."""
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    font.setPointSizeF(point_size)
    return font


def hbox(*widgets: QWidget, stretch_last: bool = False, margins: int = 0) -> QHBoxLayout:
    """A horizontal layout holding ``widgets``."""
    layout = QHBoxLayout()
    layout.setContentsMargins(margins, margins, margins, margins)
    for widget in widgets:
        layout.addWidget(widget)
    if not stretch_last:
        layout.addStretch(1)
    return layout
