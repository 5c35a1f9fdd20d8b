"""The form dialog the protection screens share: fields with their own error line, the
service's refusals shown at the field in Vietnamese, warnings to confirm, nothing typed lost."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desktop.core.domain.errors import FieldProblem, ValidationError
from desktop.core.services.children import NeedsConfirmation
from desktop.ui import messages
from desktop.ui.ops import run_op
from desktop.ui.screen import resize_to_fit
from desktop.ui.widgets import DateLineEdit, ErrorLabel, set_invalid


class FormDialog(QDialog):
    """Subclasses add rows with :meth:`add_row` and implement :meth:`collect` and :meth:`work`.

    ``work(form, confirm)`` runs in the background and returns the saved id; ValidationError
    marks the fields, NeedsConfirmation asks, then saves again with ``confirm=True``.
    """

    saved = Signal(object)

    def __init__(
        self,
        title: str,
        parent: QWidget | None = None,
        *,
        editable: bool = True,
        read_only_reason: str = "",
        size: tuple[int, int] = (640, 560),
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.editable = editable
        self._busy = False
        self._dirty = False
        self.fields: dict[str, QWidget] = {}
        self.field_errors: dict[str, ErrorLabel] = {}
        self.banner = QLabel(read_only_reason)
        self.banner.setObjectName("calmLabel")
        self.banner.setWordWrap(True)
        self.banner.setVisible(bool(read_only_reason))
        self.page = QWidget()
        self.form = QFormLayout(self.page)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.page)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.summary = QLabel()
        self.summary.setObjectName("problemSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setText(self.tr("Hủy") if editable else self.tr("Đóng"))
        self.save_button = self.buttons.addButton(
            self.tr("Lưu (Ctrl+S)"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.save_button.setObjectName("primary")
        self.save_button.setVisible(editable)
        for button in self.buttons.buttons():
            if isinstance(button, QPushButton):
                button.setAutoDefault(False)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.summary)
        layout.addWidget(self.buttons)
        QShortcut(QKeySequence.StandardKey.Save, self, self.save)
        # A wrapped line inside a form row gets too little height from QFormLayout (the row's
        # height-for-width is not asked again when the page narrows): each wrapped label keeps
        # the height its text needs at its current width; the form scrolls instead.
        self.page.installEventFilter(self)
        resize_to_fit(self, *size)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.page and event.type() in (QEvent.Type.Resize, QEvent.Type.Show):
            QTimer.singleShot(0, self, self._fit_wrapped_labels)
        return super().eventFilter(watched, event)

    def _fit_wrapped_labels(self) -> None:
        for label in self.page.findChildren(QLabel):
            if label.wordWrap() and label.text() and label.isVisible():
                need = label.heightForWidth(label.width())
                if need > 0 and label.minimumHeight() != need:
                    label.setMinimumHeight(need)

    # -- building -------------------------------------------------------------------------

    def add_row(self, caption: str, name: str, widget: QWidget, *, hint: str = "") -> QWidget:
        """A labelled field with its error line; edits mark the form as changed."""
        box = QWidget()
        inner = QVBoxLayout(box)
        inner.setContentsMargins(0, 0, 0, 0)
        inner.setSpacing(1)
        inner.addWidget(widget)
        if hint:
            note = QLabel(hint)
            note.setObjectName("hintLabel")
            note.setWordWrap(True)
            inner.addWidget(note)
        error = ErrorLabel()
        inner.addWidget(error)
        label = QLabel(caption)
        label.setBuddy(widget)
        label.setWordWrap(True)
        self.form.addRow(label, box)
        self.fields[name] = widget
        self.field_errors[name] = error
        self._watch(name, widget)
        if not self.editable:
            _read_only(widget)
        return widget

    def add_note(self, text: str, object_name: str = "hintLabel") -> QLabel:
        """A line of text across the form."""
        label = QLabel(text)
        label.setObjectName(object_name)
        label.setWordWrap(True)
        self.form.addRow(label)
        return label

    def _watch(self, name: str, widget: QWidget) -> None:
        def edited(*_args: object) -> None:
            self._dirty = True
            self.clear_problem(name)

        if isinstance(widget, QLineEdit):
            widget.textEdited.connect(edited)
        elif isinstance(widget, QPlainTextEdit):
            widget.textChanged.connect(edited)
        elif isinstance(widget, QComboBox):
            widget.currentIndexChanged.connect(edited)
        elif isinstance(widget, QCheckBox):
            widget.toggled.connect(edited)

    def mark_dirty(self) -> None:
        """Something was typed that :meth:`_watch` cannot see."""
        self._dirty = True

    def mark_clean(self) -> None:
        """What the form holds now was filled in by the program, not typed."""
        self._dirty = False

    # -- problems -------------------------------------------------------------------------

    def clear_problem(self, name: str) -> None:
        """Forget the complaint about ``name`` (it was edited)."""
        label = self.field_errors.get(name)
        if label is not None and label.text():
            label.show_message("")
            widget = self.fields.get(name)
            if widget is not None:
                set_invalid(widget, None)

    def unreadable_dates(self) -> list[FieldProblem]:
        """Date fields whose text is not a date (checked here, before asking the service)."""
        problems = []
        for name, widget in self.fields.items():
            if isinstance(widget, DateLineEdit):
                widget.check()
                if widget.problem:
                    problems.append(FieldProblem(name, widget.problem))
        return problems

    def show_problems(self, problems: list[FieldProblem], header: str | None = None) -> None:
        """Each problem at its field (or in the summary), the first field focused."""
        first: QWidget | None = None
        for name, label in self.field_errors.items():
            label.show_message("")
            widget = self.fields.get(name)
            if widget is not None:
                set_invalid(widget, None)
        for problem in problems:
            found = self.field_errors.get(problem.field)
            widget = self.fields.get(problem.field)
            if found is not None:
                found.show_message(problem.message)
            if widget is not None:
                set_invalid(widget, problem.message)
                first = first or widget
        heading = header or self.tr("Chưa lưu được. Hãy sửa (mọi thứ đã nhập vẫn còn):")
        self.summary.setText("\n".join([heading] + [f"• {p.message}" for p in problems]))
        self.summary.setVisible(bool(problems))
        if first is not None:
            first.setFocus()

    # -- saving ---------------------------------------------------------------------------

    def collect(self) -> Any:
        """The service's form with everything typed."""
        raise NotImplementedError

    def work(self, form: Any, confirm: bool) -> Callable[[], object]:
        """The background call that saves ``form``."""
        raise NotImplementedError

    def save(self) -> None:
        """Check the dates here, then save in the background."""
        if self._busy or not self.editable:
            return
        local = self.unreadable_dates()
        if local:
            self.show_problems(local)
            return
        self._save(self.collect(), confirm=False)

    def _save(self, form: Any, *, confirm: bool) -> None:
        self._busy = True
        self.save_button.setEnabled(False)
        run_op(
            self,
            self.work(form, confirm),
            success=self._saved,
            failure=lambda exc: self._failed(form, exc),
            label=self.tr("Đang lưu…"),
        )

    def _saved(self, result: object) -> None:
        self._busy = False
        self.save_button.setEnabled(True)
        self._dirty = False
        self.saved.emit(result)
        self.accept()

    def _failed(self, form: Any, exc: BaseException) -> None:
        self._busy = False
        self.save_button.setEnabled(True)
        if isinstance(exc, NeedsConfirmation):
            self.show_problems(exc.problems, self.tr("Cần xác nhận:"))
            self.confirm_box = messages.ask(
                self,
                "\n\n".join(p.message for p in exc.problems)
                + "\n\n"
                + self.tr("Vẫn lưu như đã nhập?"),
                on_yes=lambda: self._save(form, confirm=True),
                yes_text=self.tr("Vẫn lưu"),
                no_text=self.tr("Sửa lại"),
                icon=QMessageBox.Icon.Warning,
            )
            return
        if isinstance(exc, ValidationError):
            self.show_problems(exc.problems)
            return
        messages.show_exception(self, exc)

    # -- closing --------------------------------------------------------------------------

    def has_unsaved_changes(self) -> bool:
        """True if something was typed since the form opened."""
        return self._dirty

    def reject(self) -> None:
        """Ask before throwing away what was typed."""
        if self._busy:
            return
        if self._dirty and self.editable:
            messages.ask(
                self,
                self.tr("Những gì vừa nhập chưa được lưu. Đóng và bỏ thay đổi?"),
                on_yes=self._discard,
                yes_text=self.tr("Bỏ thay đổi"),
                no_text=self.tr("Tiếp tục nhập"),
                icon=QMessageBox.Icon.Warning,
            )
            return
        super().reject()

    def _discard(self) -> None:
        self._dirty = False
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        """The X button behaves like Hủy."""
        event.ignore()
        self.reject()


def _read_only(widget: QWidget) -> None:
    if isinstance(widget, QLineEdit | QPlainTextEdit):
        widget.setReadOnly(True)
    else:
        widget.setEnabled(False)


def text_edit(height: int = 60) -> QPlainTextEdit:
    """A few lines of free text."""
    edit = QPlainTextEdit()
    edit.setTabChangesFocus(True)
    edit.setFixedHeight(height)
    return edit


def int_or_none(text: str) -> int | None:
    """Digits (dots and spaces allowed: "1.500.000") as an int; None when empty or not a number."""
    digits = text.replace(".", "").replace(" ", "").replace(",", "")
    return int(digits) if digits.isdigit() else None
