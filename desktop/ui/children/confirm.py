"""Warnings that need a yes before saving: an ID that disagrees (R07), possible duplicates."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.core.domain.errors import FieldProblem


class ConfirmWarningsDialog(QDialog):
    """Lists the warnings; for an ID that disagrees, asks why the number is kept."""

    def __init__(self, warnings: Sequence[FieldProblem], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Cần xác nhận trước khi lưu"))
        self.warnings = list(warnings)
        intro = QLabel(
            self.tr("Chưa lưu. Hãy xem {n} điều cần kiểm tra dưới đây:").format(n=len(warnings))
        )
        intro.setWordWrap(True)
        self.text = QPlainTextEdit("\n".join(f"• {w.message}" for w in warnings))
        self.text.setReadOnly(True)
        self.text.setMinimumHeight(120)
        self.id_warnings = [w for w in warnings if w.field == "id_number"]
        self.reason = QLineEdit()
        self.reason.setPlaceholderText(
            self.tr("ví dụ: đã đối chiếu giấy khai sinh, số định danh in đúng như vậy")
        )
        reason_label = QLabel(
            self.tr(
                "Giữ nguyên số định danh? Ghi lý do (nếu để trống, trẻ được đưa vào danh sách "
                "“Số định danh cần kiểm tra” để gửi công an xã xác minh):"
            )
        )
        reason_label.setWordWrap(True)
        self.buttons = QDialogButtonBox()
        self.save_button = self.buttons.addButton(
            self.tr("Vẫn lưu"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.save_button.setObjectName("primary")
        self.back_button = self.buttons.addButton(
            self.tr("Quay lại sửa"), QDialogButtonBox.ButtonRole.RejectRole
        )
        self.back_button.setDefault(True)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.text)
        if self.id_warnings:
            layout.addWidget(reason_label)
            layout.addWidget(self.reason)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.setMinimumWidth(620)

    def override_reason(self) -> str:
        """The reason typed for keeping a disagreeing ID ("" if none)."""
        return self.reason.text().strip()
