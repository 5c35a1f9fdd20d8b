"""Resolve one conflict field by field: keep this computer's value, the server's, or type one."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desktop.core.domain.errors import ValidationError
from desktop.core.sync_service import ConflictDetail, FieldChoice, FieldDiff, SyncService
from desktop.ui import messages
from desktop.ui.ops import run_op
from desktop.ui.widgets import ErrorLabel, set_invalid

MINE, THEIRS, EDIT = "mine", "theirs", "edit"


class _FieldRow:
    """The widgets of one differing field."""

    def __init__(self, diff: FieldDiff, parent: QWidget) -> None:
        self.diff = diff
        empty = parent.tr("(để trống)")
        self.mine = QRadioButton(diff.mine or empty, parent)
        self.theirs = QRadioButton(diff.theirs or empty, parent)
        self.edit_choice = QRadioButton(parent.tr("Nhập giá trị khác:"), parent)
        self.edit = QLineEdit(parent)
        self.edit.setMinimumWidth(220)
        self.edit.setText(diff.mine)
        self.edit.setEnabled(False)
        self.error = ErrorLabel(parent)
        self.group = QButtonGroup(parent)
        for button in (self.mine, self.theirs, self.edit_choice):
            self.group.addButton(button)
        editable = diff.field != "deleted" and diff.kind != "datetime"
        self.edit_choice.setVisible(editable)
        self.edit.setVisible(editable)
        if diff.kind == "date":
            self.edit.setPlaceholderText("dd/mm/yyyy")
        elif diff.kind == "bool":
            self.edit.setPlaceholderText(parent.tr("Có hoặc Không"))
        self.edit_choice.toggled.connect(self.edit.setEnabled)

    def choice(self) -> FieldChoice | None:
        """What the person picked (None: nothing yet)."""
        if self.mine.isChecked():
            return FieldChoice(MINE)
        if self.theirs.isChecked():
            return FieldChoice(THEIRS)
        if self.edit_choice.isChecked():
            return FieldChoice(EDIT, self.edit.text())
        return None


class ConflictDialog(QDialog):
    """Side by side: "Máy này" and "Máy chủ", one row per field that differs."""

    resolved = Signal(int)  # the conflict id

    def __init__(
        self, service: SyncService, detail: ConflictDetail, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._service = service
        self._detail = detail
        self._busy = False
        summary = detail.summary
        self.setWindowTitle(self.tr("Giải quyết xung đột — {t}").format(t=summary.title))
        where = self.tr("cấp trên") if summary.upstream else self.tr("một máy khác của xã")
        intro = QLabel(
            self.tr(
                "“{title}” ({kind}) đã được {where} sửa trong khi máy này cũng sửa. Với mỗi "
                "trường khác nhau, hãy chọn giữ giá trị của máy này, của máy chủ, hoặc nhập giá "
                "trị đúng. Không có gì bị mất cho tới khi bạn bấm “Lưu lựa chọn”."
            ).format(title=summary.title, kind=summary.table_label, where=where)
        )
        intro.setWordWrap(True)
        if summary.server_updated_by:
            intro.setText(
                intro.text()
                + " "
                + self.tr("Người sửa trên máy chủ: {who}.").format(who=summary.server_updated_by)
            )

        grid_host = QWidget()
        grid = QGridLayout(grid_host)
        grid.setColumnStretch(1, 2)
        grid.setColumnStretch(2, 2)
        grid.setColumnStretch(3, 2)
        grid.setColumnMinimumWidth(0, 150)
        grid.setHorizontalSpacing(16)
        headers = (
            self.tr("Trường"),
            self.tr("Máy này"),
            self.tr("Máy chủ"),
            self.tr("Giá trị khác"),
        )
        for column, text in enumerate(headers):
            label = QLabel(text)
            label.setObjectName("columnHeader")
            grid.addWidget(label, 0, column)
        self.rows: list[_FieldRow] = []
        line = 1
        for diff in detail.fields:
            if not diff.differs:
                continue
            row = _FieldRow(diff, grid_host)
            name = QLabel(diff.label)
            name.setObjectName("columnHeader")
            name.setWordWrap(True)
            grid.addWidget(name, line, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(row.mine, line, 1, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(row.theirs, line, 2, Qt.AlignmentFlag.AlignTop)
            edit_box = QVBoxLayout()
            edit_box.addWidget(row.edit_choice)
            edit_box.addWidget(row.edit)
            edit_box.addWidget(row.error)
            grid.addLayout(edit_box, line, 3)
            self.rows.append(row)
            line += 1
        same = [d.label for d in detail.fields if not d.differs]
        if same:
            unchanged = QLabel(
                self.tr("Giống nhau ở cả hai nơi: {fields}.").format(fields=", ".join(same))
            )
            unchanged.setObjectName("hintLabel")
            unchanged.setWordWrap(True)
            grid.addWidget(unchanged, line, 0, 1, 4)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(grid_host)

        self.all_mine = QPushButton(self.tr("Giữ hết bản của máy này"))
        self.all_theirs = QPushButton(self.tr("Nhận hết bản của máy chủ"))
        self.error = ErrorLabel()
        self.buttons = QDialogButtonBox()
        self.save_button = self.buttons.addButton(
            self.tr("Lưu lựa chọn"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.save_button.setObjectName("primary")
        self.buttons.addButton(self.tr("Để sau"), QDialogButtonBox.ButtonRole.RejectRole)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(scroll, 1)
        buttons_line = QGridLayout()
        buttons_line.addWidget(self.all_mine, 0, 0)
        buttons_line.addWidget(self.all_theirs, 0, 1)
        buttons_line.setColumnStretch(2, 1)
        layout.addLayout(buttons_line)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.resize(900, min(640, 220 + 70 * len(self.rows)))

        self.all_mine.clicked.connect(lambda: self._pick_all(MINE))
        self.all_theirs.clicked.connect(lambda: self._pick_all(THEIRS))
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

    def _pick_all(self, which: str) -> None:
        for row in self.rows:
            (row.mine if which == MINE else row.theirs).setChecked(True)

    def choices(self) -> dict[str, FieldChoice]:
        """The choices made so far, by field."""
        picked: dict[str, FieldChoice] = {}
        for row in self.rows:
            choice = row.choice()
            if choice is not None:
                picked[row.diff.field] = choice
        return picked

    def save(self) -> None:
        """Check every field has a choice, then resolve in the background."""
        if self._busy:
            return
        missing = False
        for row in self.rows:
            empty = row.choice() is None
            row.error.show_message(self.tr("Hãy chọn một giá trị.") if empty else "")
            missing = missing or empty
        if missing:
            self.error.show_message(self.tr("Còn trường chưa chọn giá trị giữ lại."))
            return
        self._busy = True
        self.save_button.setEnabled(False)
        service, conflict_id, choices = self._service, self._detail.summary.id, self.choices()
        run_op(
            self,
            lambda: service.resolve_conflict(conflict_id, choices),
            success=self._saved,
            failure=self._failed,
        )

    def _saved(self, _none: object) -> None:
        self._busy = False
        self.resolved.emit(self._detail.summary.id)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._busy = False
        self.save_button.setEnabled(True)
        if isinstance(exc, ValidationError):
            by_field = {p.field: p.message for p in exc.problems}
            for row in self.rows:
                message = by_field.pop(row.diff.field, "")
                row.error.show_message(message)
                set_invalid(row.edit, message or None)
            self.error.show_message("\n".join(by_field.values()) or exc.message_vi)
            return
        messages.show_exception(self, exc)
