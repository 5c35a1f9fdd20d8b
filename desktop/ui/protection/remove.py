"""Removing a protection record typed in error: what it is, a reason that must be given; the
record is kept as deleted with its reason (the services' tombstones), so the audit trail and
the upstream copy keep it and the reports stop counting it."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QWidget

from desktop.ui.protection.form import FormDialog


class RemoveDialog(FormDialog):
    """ "Xóa bản ghi nhập nhầm": ``what`` in words, the reason, then ``remove(reason)``."""

    def __init__(
        self, what: str, remove: Callable[[str], object], parent: QWidget | None = None
    ) -> None:
        super().__init__(self.tr("Xóa bản ghi nhập nhầm"), parent, size=(560, 300))
        self._remove = remove
        self.add_note(what, "sectionTitle")
        self.reason = QLineEdit()
        self.reason.setPlaceholderText(self.tr("ví dụ: ghi nhầm trẻ, trùng với bản ghi khác"))
        self.add_row(self.tr("Lý do xóa *:"), "reason", self.reason)
        self.add_note(
            self.tr(
                "Bản ghi được đánh dấu đã xóa cùng lý do, nhật ký vẫn giữ nó; báo cáo không còn "
                "tính bản ghi này. Việc xóa được đồng bộ lên cấp trên."
            )
        )
        self.save_button.setText(self.tr("Xóa"))
        self._dirty = False

    def collect(self) -> str:
        """The reason as typed."""
        return self.reason.text()

    def work(self, form: str, confirm: bool) -> Callable[[], object]:
        remove = self._remove
        return lambda: remove(form)


def open_remove(
    parent: QWidget, what: str, remove: Callable[[str], object], done: Callable[[], object]
) -> RemoveDialog:
    """Show a :class:`RemoveDialog` over ``parent``; ``done()`` after the removal."""
    dialog = RemoveDialog(what, remove, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.saved.connect(lambda _r: done())
    dialog.open()
    return dialog
