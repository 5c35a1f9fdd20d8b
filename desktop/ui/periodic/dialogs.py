"""Dialogs of the periodic report: the children behind a number, the reason for reopening."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.core.services.book import Book
from desktop.core.services.children import ChildListRow
from desktop.core.services.reports import VISITOR_STATUS
from desktop.ui.children.profile import ChildProfileDialog
from desktop.ui.reports.drilldown import DrilldownDialog
from desktop.ui.widgets import ErrorLabel

MIN_REASON = 5  # the service refuses shorter reasons


class IndicatorDrilldownDialog(DrilldownDialog):
    """The population report's children list; a double-click opens the child's record."""

    def __init__(
        self,
        book: Book,
        title: str,
        ids: Sequence[str],
        parent: QWidget | None = None,
        *,
        note: str = "",
    ) -> None:
        super().__init__(book, title, ids, parent, note=note)
        self._book = book
        self.profile: ChildProfileDialog | None = None
        self.table.doubleClicked.connect(self.open_profile)
        self.status_hint = self.tr("Bấm đúp vào một dòng để xem hồ sơ trẻ em.")

    def _loaded(self, rows: Sequence[ChildListRow]) -> None:
        super()._loaded(rows)
        self.status.setText(self.status_hint)

    def open_profile(self, index: QModelIndex | QPersistentModelIndex) -> ChildProfileDialog | None:
        """The record of the child on the double-clicked row (None for a visiting child,
        who has no record: the status line says where its injury is)."""
        source = self.proxy.mapToSource(self.proxy.index(index.row(), 0))
        person = self.model.row_at(source.row())
        if person.status == VISITOR_STATUS:
            self.status.setText(
                self.tr(
                    "{n} không có hồ sơ trong sổ: xem lần bị tai nạn ở Bảo vệ trẻ em → "
                    "Tai nạn, thương tích."
                ).format(n=person.full_name)
            )
            return None
        dialog = ChildProfileDialog(self._book, person.id, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.profile = dialog
        dialog.open()
        return dialog


class ReopenDialog(QDialog):
    """Asks the administrator why a finalised report is reopened."""

    chosen = Signal(str)

    def __init__(self, period_label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Mở lại báo cáo đã chốt"))
        text = QLabel(
            self.tr(
                "Mở lại báo cáo {p}. Bản đã chốt vẫn được giữ lại; một bản nháp mới được tạo. "
                "Hãy ghi rõ lý do (được lưu cùng báo cáo):"
            ).format(p=period_label)
        )
        text.setWordWrap(True)
        self.reason = QPlainTextEdit()
        self.reason.setPlaceholderText(self.tr("Ví dụ: trạm y tế gửi lại số tiêm chủng"))
        self.reason.setFixedHeight(90)
        self.error = ErrorLabel()
        buttons = QDialogButtonBox()
        self.ok_button = buttons.addButton(
            self.tr("Mở lại"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        buttons.addButton(self.tr("Hủy"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(self.reason)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.setMinimumWidth(480)

    def accept(self) -> None:
        """Only with a reason of a few words."""
        why = " ".join(self.reason.toPlainText().split())
        if len(why) < MIN_REASON:
            self.error.show_message(self.tr("Hãy ghi rõ lý do mở lại báo cáo."))
            self.reason.setFocus()
            return
        super().accept()
        self.chosen.emit(why)
