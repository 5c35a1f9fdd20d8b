"""The report's text ("Nội dung văn bản"): the five narrative sections of a periodic report
and its document fields (number and symbol, the signer), as the PDF prints them.

Each section starts from the saved text, or from the starting text filled from the numbers.
A section left as the starting text is saved empty, so the printed report keeps following
the numbers; a section the officer wrote is printed as written.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut, QTextCursor
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.core.domain.errors import FieldProblem, ValidationError
from desktop.core.domain.permissions import Action, PermissionDenied
from desktop.core.services.book import Book, CurrentUser
from desktop.core.services.indicators import (
    NARRATIVE_MAX_CHARS,
    NARRATIVE_SECTIONS,
    NARRATIVE_TITLES,
    IndicatorReport,
    IndicatorService,
    ReportState,
    fmt_value,
    period_label,
    starting_text,
)
from desktop.core.services.reports import ReportService
from desktop.ui import messages
from desktop.ui.changes import Change
from desktop.ui.ops import run_op
from desktop.ui.screen import resize_to_fit
from desktop.ui.widgets import ErrorLabel, set_invalid

DOCUMENT_KEYS = ("doc_number", "signer_name", "signer_lines")


@dataclass(frozen=True)
class NarrativeDraft:
    """What the dialog opens with (read in the background)."""

    texts: dict[str, str]  # each section as saved, else the starting text
    start: dict[str, str]  # the starting text, filled from the numbers
    fields: dict[str, str]  # doc_number, signer_name, signer_lines ("A|B"), as saved
    printed_lines: tuple[str, ...]  # the signer's title lines the PDF prints now
    last_signer: tuple[str, tuple[str, ...]]  # the one last typed on a periodic report
    state: ReportState


def load_draft(book: Book, report: IndicatorReport) -> NarrativeDraft:
    """The report's text and document fields (worker thread)."""
    service = IndicatorService(book)
    code = report.period.code
    name, lines = ReportService(book).last_signer()
    return NarrativeDraft(
        texts=service.narrative(code, report),
        start=starting_text(report),
        fields=service.document_fields(code),
        printed_lines=tuple(service.header(code).signer_lines),
        last_signer=(name, tuple(lines)),
        state=service.state(code),
    )


def read_only_reason(user: CurrentUser, state: ReportState) -> str:
    """Why the text cannot be changed ("" when it can): the rules ``save_narrative`` applies."""
    if state.locked_vi:
        return state.locked_vi
    if not user.may(Action.EDIT_BOOK):
        return "Tài khoản chỉ xem: đọc được nội dung văn bản báo cáo nhưng không sửa được."
    if state.state == "finalised":
        return (
            "Báo cáo đã chốt số liệu nên nội dung văn bản không sửa được nữa; bản in giữ đúng "
            "lời văn đã chốt. Muốn sửa, quản trị viên mở lại báo cáo (ghi rõ lý do)."
        )
    return ""


def tab_title(title: str) -> str:
    """ "IV. NHIỆM VỤ TRỌNG TÂM THỜI GIAN TỚI" → "IV. Nhiệm vụ trọng tâm thời gian tới"."""
    number, _, rest = title.partition(". ")
    return f"{number}. {rest.capitalize()}" if rest else title


class SectionEditor(QWidget):
    """One narrative section: its title as printed, the text, its state, "Điền lại"."""

    restore_asked = Signal(str)  # the section's key
    edited = Signal()

    def __init__(self, key: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = key
        self.title = NARRATIVE_TITLES[key]
        self.start = ""
        heading = QLabel(self.title)
        heading.setObjectName("sectionTitle")
        self.editor = QPlainTextEdit()
        self.editor.setTabChangesFocus(True)
        self.editor.setPlaceholderText(
            self.tr("Viết nội dung mục này; mỗi dòng in thành một đoạn của báo cáo.")
        )
        self.error = ErrorLabel()
        self.status = QLabel()
        self.status.setObjectName("hintLabel")
        self.status.setWordWrap(True)
        self.count = QLabel()
        self.count.setObjectName("hintLabel")
        self.restore_button = QPushButton(self.tr("Điền lại từ số liệu"))
        self.restore_button.setAutoDefault(False)
        self.restore_button.setToolTip(
            self.tr("Thay nội dung mục này bằng lời soạn sẵn từ các con số của báo cáo.")
        )
        footer = QHBoxLayout()
        footer.addWidget(self.status, 1)
        footer.addWidget(self.count)
        footer.addWidget(self.restore_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 4)
        layout.addWidget(heading)
        layout.addWidget(self.editor, 1)
        layout.addWidget(self.error)
        layout.addLayout(footer)
        self.editor.textChanged.connect(self._changed)
        self.restore_button.clicked.connect(lambda: self.restore_asked.emit(self.key))

    def text(self) -> str:
        """The text as typed."""
        return self.editor.toPlainText()

    def load(self, text: str, start: str) -> None:
        """Show ``text``; ``start`` is the section's starting text."""
        self.start = start
        self.editor.setPlainText(text)
        self._show_state()

    def replace_text(self, text: str) -> None:
        """Put ``text`` in place of the whole section, undoable with Ctrl+Z."""
        cursor = self.editor.textCursor()
        cursor.select(QTextCursor.SelectionType.Document)
        cursor.insertText(text)
        self.editor.setTextCursor(cursor)

    def set_editable(self, editable: bool) -> None:
        """Typing and "Điền lại" allowed or not."""
        self.editor.setReadOnly(not editable)
        self.restore_button.setVisible(editable)

    def show_problem(self, message: str) -> None:
        """Mark the section as refused with ``message`` ("" clears the mark)."""
        self.error.show_message(message)
        set_invalid(self.editor, message or None)

    def _changed(self) -> None:
        self._show_state()
        self.edited.emit()

    def _show_state(self) -> None:
        text = self.text()
        if text == self.start:
            status = self.tr(
                "Lời soạn sẵn từ số liệu: khi in, chương trình điền theo số liệu của báo cáo."
            )
        elif not text.strip():
            status = self.tr(
                "Mục đang để trống: hãy viết nội dung (ví dụ “Không có.”) hoặc bấm “Điền lại "
                "từ số liệu”."
            )
        else:
            status = self.tr("Cán bộ đã sửa: in đúng lời văn này.")
        self.status.setText(status)
        self.restore_button.setEnabled(text != self.start)
        length = len(text.strip())
        n, most = fmt_value(length, "count"), fmt_value(NARRATIVE_MAX_CHARS, "count")
        self.count.setText(self.tr("{n}/{m} ký tự").format(n=n, m=most))
        too_long = self.tr(
            "Mục này dài {n} ký tự, tối đa {m} (để gửi được lên cấp trên). Hãy viết gọn lại: "
            "số liệu đầy đủ của từng chỉ tiêu đã có ở Phụ lục."
        ).format(n=n, m=most)
        # A problem the service named stays until the text changes.
        self.show_problem(too_long if length > NARRATIVE_MAX_CHARS else "")


class NarrativeDialog(QDialog):
    """Write the text of one period's report; Save runs in the background."""

    loaded = Signal()
    saved = Signal()

    def __init__(self, book: Book, report: IndicatorReport, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._book = book
        self._service = IndicatorService(book)
        self.code = report.period.code
        self._busy = False
        self.draft: NarrativeDraft | None = None
        self.editable = False
        self.read_only_reason = ""
        self._baseline: dict[str, str] = {}
        self.setWindowTitle(
            self.tr("Nội dung văn bản báo cáo — {p}").format(p=period_label(self.code))
        )

        self.banner = QLabel()
        self.banner.setObjectName("calmLabel")
        self.banner.setWordWrap(True)
        self.banner.hide()
        self.error = ErrorLabel()  # problems of the whole report (finalised meanwhile …)

        self.doc_number = QLineEdit()
        self.doc_number.setPlaceholderText(self.tr("ví dụ 12/BC-UBND"))
        self.doc_number.setToolTip(self.tr("Để trống thì bản in chừa chỗ để văn thư ghi số tay."))
        self.signer_name = QLineEdit()
        self.signer_name.setPlaceholderText(self.tr("họ tên in dưới chữ ký"))
        self.signer_lines = QPlainTextEdit()
        self.signer_lines.setTabChangesFocus(True)
        self.signer_lines.setFixedHeight(64)
        self.signer_hint = QLabel()
        self.signer_hint.setObjectName("hintLabel")
        self.signer_hint.setWordWrap(True)
        self.signer_hint.hide()
        self.field_errors = {key: ErrorLabel() for key in DOCUMENT_KEYS}

        def field(widget: QWidget, key: str) -> QWidget:
            box = QWidget()
            inner = QVBoxLayout(box)
            inner.setContentsMargins(0, 0, 0, 0)
            inner.setSpacing(1)
            inner.addWidget(widget)
            inner.addWidget(self.field_errors[key])
            return box

        left = QFormLayout()
        left.addRow(self.tr("Số, ký hiệu:"), field(self.doc_number, "doc_number"))
        left.addRow(self.tr("Người ký:"), field(self.signer_name, "signer_name"))
        right = QFormLayout()
        right.addRow(
            self.tr("Chức vụ\n(mỗi dòng một dòng in):"), field(self.signer_lines, "signer_lines")
        )
        right.addRow("", self.signer_hint)
        document = QGroupBox(self.tr("Thông tin văn bản"))
        document_layout = QHBoxLayout(document)
        document_layout.addLayout(left, 1)
        document_layout.addSpacing(12)
        document_layout.addLayout(right, 1)

        self.sections: dict[str, SectionEditor] = {}
        self.tabs = QTabWidget()
        for key in NARRATIVE_SECTIONS:
            page = SectionEditor(key)
            page.restore_asked.connect(self.ask_restore)
            page.edited.connect(lambda: self.error.show_message(""))
            self.sections[key] = page
            self.tabs.addTab(page, tab_title(page.title))

        self.status = QLabel(self.tr("Đang tải nội dung văn bản…"))
        self.status.setObjectName("hintLabel")
        self.buttons = QDialogButtonBox()
        self.save_button = self.buttons.addButton(
            self.tr("Lưu (Ctrl+S)"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.save_button.setObjectName("primary")
        self.close_button = self.buttons.addButton(
            self.tr("Đóng"), QDialogButtonBox.ButtonRole.RejectRole
        )
        for button in (self.save_button, self.close_button):
            button.setAutoDefault(False)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.buttons)

        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(self.error)
        layout.addWidget(document)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(bottom)

        self.doc_number.textEdited.connect(lambda _t: self._field_edited("doc_number"))
        self.signer_name.textEdited.connect(lambda _t: self._field_edited("signer_name"))
        self.signer_lines.textChanged.connect(lambda: self._field_edited("signer_lines"))
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        QShortcut(QKeySequence.StandardKey.Save, self, self.save)
        self._set_editable(False)  # until the text is loaded
        resize_to_fit(self, 1040, 700)

        run_op(self, lambda: load_draft(book, report), success=self._loaded)

    # -- loading --------------------------------------------------------------------------

    def _loaded(self, draft: NarrativeDraft) -> None:
        self.draft = draft
        self.read_only_reason = read_only_reason(self._book.user, draft.state)
        fields = dict(draft.fields)
        suggested = False
        if not self.read_only_reason and not fields["signer_name"] and not fields["signer_lines"]:
            # Nothing typed for this period yet: the signer of the last periodic report.
            name, lines = draft.last_signer
            if name:
                fields["signer_name"], fields["signer_lines"] = name, "|".join(lines)
                suggested = True
        self.doc_number.setText(fields["doc_number"])
        self.signer_name.setText(fields["signer_name"])
        self.signer_lines.setPlainText(fields["signer_lines"].replace("|", "\n"))
        self.signer_lines.setPlaceholderText("\n".join(draft.printed_lines))
        self.signer_hint.setText(
            self.tr("Lấy theo người ký của báo cáo gần nhất; bấm “Lưu” để dùng cho báo cáo này.")
        )
        self.signer_hint.setVisible(suggested)
        for key, page in self.sections.items():
            page.load(draft.texts[key], draft.start[key])
        self._baseline = self.values()
        self.banner.setText(self.tr(self.read_only_reason))
        self.banner.setVisible(bool(self.read_only_reason))
        self.editable = not self.read_only_reason
        self._set_editable(self.editable)
        self.status.setText(
            self.tr("Mục nào giữ lời soạn sẵn thì khi in được điền theo số liệu.")
            if self.editable
            else ""
        )
        self.loaded.emit()

    def _set_editable(self, editable: bool) -> None:
        for line in (self.doc_number, self.signer_name):
            line.setReadOnly(not editable)
        self.signer_lines.setReadOnly(not editable)
        for page in self.sections.values():
            page.set_editable(editable)
        self.save_button.setVisible(editable)
        self.save_button.setEnabled(editable and not self._busy)

    # -- values ---------------------------------------------------------------------------

    def values(self) -> dict[str, str]:
        """Every field as typed: the sections by key, then the document fields."""
        lines = self.signer_lines.toPlainText().splitlines()
        return {
            **{key: page.text() for key, page in self.sections.items()},
            "doc_number": self.doc_number.text(),
            "signer_name": self.signer_name.text(),
            "signer_lines": "|".join(x.strip() for x in lines if x.strip()),
        }

    def has_unsaved_changes(self) -> bool:
        """True if something differs from what was loaded or last saved."""
        return self.editable and self.values() != self._baseline

    def _field_edited(self, key: str) -> None:
        if self.field_errors[key].text():
            self.field_errors[key].show_message("")
            set_invalid(getattr(self, key), None)
        self.error.show_message("")

    # -- "Điền lại từ số liệu" ------------------------------------------------------------

    def ask_restore(self, key: str) -> QMessageBox | None:
        """Put the starting text back in section ``key``; asks first when something written
        there would be replaced (Ctrl+Z brings it back either way)."""
        page = self.sections[key]
        if not self.editable or page.text() == page.start:
            return None
        if not page.text().strip():
            page.replace_text(page.start)
            return None
        return messages.ask(
            self,
            self.tr(
                "Thay nội dung mục «{t}» bằng lời soạn sẵn từ số liệu? Những gì đang viết trong "
                "mục này sẽ được thay (bấm Ctrl+Z trong ô để lấy lại)."
            ).format(t=page.title),
            on_yes=lambda: page.replace_text(page.start),
            title=self.tr("Điền lại từ số liệu"),
            yes_text=self.tr("Điền lại"),
            no_text=self.tr("Giữ nội dung"),
            icon=QMessageBox.Icon.Warning,
        )

    # -- saving ---------------------------------------------------------------------------

    def save(self) -> None:
        """Save every section and field in the background; nothing typed is cleared."""
        if self._busy or not self.editable or self.draft is None:
            return
        values = self.values()
        empty = [
            FieldProblem(
                key,
                self.tr(
                    "Mục này đang để trống. Hãy viết nội dung (ví dụ “Không có.”) hoặc bấm "
                    "“Điền lại từ số liệu”."
                ),
            )
            for key in NARRATIVE_SECTIONS
            if not values[key].strip()
        ]
        if empty:
            self.show_problems(empty)
            return
        start = self.draft.start
        # Kept as the starting text: saved empty, so the print follows the numbers.
        sections = {k: "" if values[k] == start[k] else values[k] for k in NARRATIVE_SECTIONS}
        doc = {k: values[k] for k in DOCUMENT_KEYS}
        self._set_busy(True)
        service, code = self._service, self.code
        run_op(
            self,
            lambda: service.save_narrative(code, sections, **doc),
            success=lambda _none: self._saved(values),
            failure=self._save_failed,
            label=self.tr("Đang lưu nội dung văn bản…"),
            changes=(Change.SYNC,),
        )

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.save_button.setEnabled(self.editable and not busy)

    def _saved(self, values: dict[str, str]) -> None:
        self._set_busy(False)
        self._baseline = values
        self.signer_hint.hide()
        self.status.setText(self.tr("Đã lưu. Bản PDF xuất từ nay in nội dung này."))
        self.saved.emit()

    def _save_failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        if isinstance(exc, ValidationError):
            self.show_problems(exc.problems)
        elif isinstance(exc, PermissionDenied):
            self.error.show_message(exc.message_vi)
        else:
            messages.show_exception(self, exc)

    def show_problems(self, problems: list[FieldProblem]) -> None:
        """Each problem next to its field (the first one's tab shown); the others on top."""
        general = []
        first_tab = None
        for problem in problems:
            if problem.field in self.sections:
                self.sections[problem.field].show_problem(problem.message)
                if first_tab is None:
                    first_tab = NARRATIVE_SECTIONS.index(problem.field)
            elif problem.field in self.field_errors:
                self.field_errors[problem.field].show_message(problem.message)
                set_invalid(getattr(self, problem.field), problem.message)
            else:
                general.append(problem.message)
        self.error.show_message("\n".join(general))
        if first_tab is not None:
            self.tabs.setCurrentIndex(first_tab)
        self.status.setText(self.tr("Chưa lưu được; mọi thứ đã viết vẫn còn. Hãy sửa rồi lưu lại."))

    # -- closing --------------------------------------------------------------------------

    def reject(self) -> None:
        """Ask before closing over unsaved edits."""
        if self._busy:
            return
        if self.has_unsaved_changes():
            messages.ask(
                self,
                self.tr("Nội dung văn bản vừa sửa chưa được lưu. Đóng và bỏ các thay đổi?"),
                on_yes=self._discard,
                yes_text=self.tr("Bỏ thay đổi"),
                no_text=self.tr("Tiếp tục sửa"),
                icon=QMessageBox.Icon.Warning,
            )
            return
        super().reject()

    def _discard(self) -> None:
        self._baseline = self.values()  # nothing left to ask about
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        """The window's X behaves like "Đóng"."""
        event.ignore()
        self.reject()
