"""Merging two records of one child: pick the other record, choose each field, keep a log."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.core.domain.dates import format_vn_date
from desktop.core.services.book import Book
from desktop.core.services.children import ChildForm, ChildListRow, ChildService
from desktop.core.services.duplicates import (
    KEPT,
    REMOVED,
    DuplicateCandidate,
    DuplicatePair,
    DuplicateService,
    MergePreview,
)
from desktop.ui import messages
from desktop.ui.children.records import RecordsModel
from desktop.ui.ops import run_op
from desktop.ui.screen import resize_to_fit
from desktop.ui.widgets import ErrorLabel


def _table(model: RecordsModel) -> QTableView:
    table = QTableView()
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
    table.setAlternatingRowColors(True)
    return table


class MergeDialog(QDialog):
    """Merge another record into ``kept_id`` (or the other way). Emits ``merged(kept_id)``."""

    merged = Signal(str)
    preview_loaded = Signal()

    def __init__(
        self,
        book: Book,
        record: ChildForm,
        *,
        household_id: str | None,
        other_id: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._service = DuplicateService(book)
        self._record = record
        self._kept = record.id or ""
        self._other = other_id
        self._preview: MergePreview | None = None
        self._groups: dict[str, QButtonGroup] = {}
        self._busy = False
        self.setWindowTitle(self.tr("Gộp hồ sơ trùng — {name}").format(name=record.full_name))
        intro = QLabel(
            self.tr(
                "Chọn hồ sơ trùng với trẻ này, rồi chọn giữ thông tin nào cho từng mục. Hồ sơ "
                "kia được đánh dấu “đã gộp”, không bị xóa; biến động, cha mẹ và hoàn cảnh đặc "
                "biệt của nó chuyển sang hồ sơ được giữ, và việc gộp được ghi lại."
            )
        )
        intro.setWordWrap(True)
        self.candidates = RecordsModel(
            ["Họ và tên", "Ngày sinh", "Hộ", "Lý do"], "MergeDialog", self
        )
        self.candidate_table = _table(self.candidates)
        self.candidate_table.setMaximumHeight(150)
        self.compare_button = QPushButton(self.tr("So sánh với hồ sơ đã chọn"))
        self.compare_button.setAutoDefault(False)
        self.swap_button = QPushButton(self.tr("Đổi chiều: giữ hồ sơ kia"))
        self.swap_button.setAutoDefault(False)
        self.swap_button.setEnabled(False)
        self.heading = QLabel()
        self.heading.setObjectName("sectionTitle")
        self.heading.setWordWrap(True)
        self.fields_box = QWidget()
        self.fields_grid = QGridLayout(self.fields_box)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.fields_box)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText(self.tr("Lý do gộp, ví dụ: nhập trùng khi chuyển hộ"))
        self.status = QLabel(self.tr("Đang tìm hồ sơ có thể trùng…"))
        self.status.setObjectName("hintLabel")
        self.error = ErrorLabel()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.merge_button = self.buttons.addButton(
            self.tr("Gộp hai hồ sơ"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.merge_button.setObjectName("primary")
        self.merge_button.setEnabled(False)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.candidate_table)
        layout.addWidget(self.compare_button)
        layout.addWidget(self.heading)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.swap_button)
        layout.addWidget(self.reason)
        layout.addWidget(self.status)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.compare_button.clicked.connect(self._compare_selected)
        self.candidate_table.activated.connect(lambda _i: self._compare_selected())
        self.swap_button.clicked.connect(self._swap)
        self.buttons.accepted.connect(self._ask)
        self.buttons.rejected.connect(self.reject)
        resize_to_fit(self, 900, 700)
        if other_id is not None:
            self.candidate_table.hide()
            self.compare_button.hide()
            self.load_preview(self._kept, other_id)
        else:
            service = self._service
            run_op(
                self,
                lambda: service.candidates(
                    record.full_name,
                    record.birth_date,
                    record.id_number or None,
                    household_id,
                    exclude_ids=(self._kept,),
                ),
                success=self._candidates_loaded,
            )

    def _candidates_loaded(self, found: Sequence[DuplicateCandidate]) -> None:
        self.candidates.set_rows(
            [
                (
                    c.person_id,
                    [c.full_name, format_vn_date(c.birth_date), c.household_label, c.reason_text],
                )
                for c in found
            ]
        )
        if found:
            self.status.setText(self.tr("Chọn một hồ sơ rồi bấm “So sánh”."))
            self.candidate_table.selectRow(0)
        else:
            self.status.setText(
                self.tr(
                    "Không thấy hồ sơ nào trùng số định danh, trùng họ tên và ngày sinh, hay "
                    "trùng tên trong cùng hộ."
                )
            )
            self.compare_button.setEnabled(False)

    def _compare_selected(self) -> None:
        index = self.candidate_table.currentIndex()
        if index.isValid():
            self.load_preview(self._kept, self.candidates.key_at(index.row()))

    def _swap(self) -> None:
        if self._preview is not None:
            self.load_preview(self._preview.removed_id, self._preview.kept_id)

    def load_preview(self, kept_id: str, removed_id: str) -> None:
        """Show both records side by side (background)."""
        service = self._service
        run_op(self, lambda: service.preview(kept_id, removed_id), success=self._show_preview)

    def _show_preview(self, preview: MergePreview) -> None:
        self._preview = preview
        while self.fields_grid.count():
            item = self.fields_grid.takeAt(0)
            if item is not None and item.widget() is not None:
                item.widget().deleteLater()  # type: ignore[union-attr]
        self._groups = {}
        self.heading.setText(
            self.tr("Giữ hồ sơ “{kept}”, gộp hồ sơ “{removed}” vào đó.").format(
                kept=preview.kept_name, removed=preview.removed_name
            )
        )
        for column, text in enumerate(
            (self.tr("Mục"), self.tr("Hồ sơ được giữ"), self.tr("Hồ sơ gộp vào"))
        ):
            title = QLabel(text)
            title.setObjectName("columnHeader")
            self.fields_grid.addWidget(title, 0, column)
        for row, field in enumerate(preview.fields, start=1):
            label = QLabel(self.tr(field.label))
            kept = QRadioButton(field.kept_text)
            removed = QRadioButton(field.removed_text)
            group = QButtonGroup(self)
            group.addButton(kept)
            group.addButton(removed)
            (removed if field.default == REMOVED else kept).setChecked(True)
            if not field.differs:
                kept.setEnabled(False)
                removed.setEnabled(False)
            self._groups[field.name] = group
            kept.setProperty("choice", KEPT)
            removed.setProperty("choice", REMOVED)
            self.fields_grid.addWidget(label, row, 0)
            self.fields_grid.addWidget(kept, row, 1)
            self.fields_grid.addWidget(removed, row, 2)
        counts = preview.moved_counts
        self.status.setText(
            self.tr(
                "Sẽ chuyển sang hồ sơ được giữ: {e} biến động, {g} cha mẹ/người giám hộ, "
                "{p} giai đoạn hoàn cảnh đặc biệt."
            ).format(e=counts["events"], g=counts["guardians"], p=counts["episodes"])
        )
        self.swap_button.setEnabled(True)
        self.merge_button.setEnabled(True)
        self.preview_loaded.emit()

    def choices(self) -> dict[str, str]:
        """Field → KEPT or REMOVED, as chosen."""
        out = {}
        for name, group in self._groups.items():
            button = group.checkedButton()
            if button is not None:
                out[name] = str(button.property("choice"))
        return out

    def _ask(self) -> None:
        preview = self._preview
        if preview is None or self._busy:
            return
        messages.ask(
            self,
            self.tr(
                "Gộp “{removed}” vào “{kept}”? Việc này được ghi lại và không tự hoàn tác."
            ).format(removed=preview.removed_name, kept=preview.kept_name),
            on_yes=self.merge_now,
            yes_text=self.tr("Gộp"),
            no_text=self.tr("Chưa gộp"),
        )

    def merge_now(self) -> None:
        """Merge in the background."""
        preview = self._preview
        if preview is None or self._busy:
            return
        self._busy = True
        self.merge_button.setEnabled(False)
        choices, reason = self.choices(), self.reason.text()
        service = self._service
        run_op(
            self,
            lambda: service.merge(preview.kept_id, preview.removed_id, choices, reason),
            success=lambda _id: self._merged(preview.kept_id),
            failure=self._failed,
        )

    def _merged(self, kept_id: str) -> None:
        self._busy = False
        self.merged.emit(kept_id)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._busy = False
        self.merge_button.setEnabled(True)
        message = getattr(exc, "message_vi", None)
        if isinstance(message, str):
            self.error.show_message(message)
        else:
            messages.show_exception(self, exc)


class DuplicatesDialog(QDialog):
    """Every pair of records of the book that may be one child; open one to merge it."""

    loaded = Signal()
    changed = Signal()

    def __init__(self, book: Book, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._book = book
        self._pairs: list[DuplicatePair] = []
        self.setWindowTitle(self.tr("Hồ sơ có thể trùng"))
        self.model = RecordsModel(
            ["Hồ sơ thứ nhất", "Hồ sơ thứ hai", "Ngày sinh", "Lý do"], "DuplicatesDialog", self
        )
        self.table = _table(self.model)
        self.status = QLabel(self.tr("Đang tìm…"))
        self.status.setObjectName("hintLabel")
        self.open_button = QPushButton(self.tr("So sánh và gộp…"))
        self.open_button.setObjectName("primary")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.open_button, QDialogButtonBox.ButtonRole.ActionRole)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        buttons.rejected.connect(self.reject)
        self.open_button.clicked.connect(self.open_selected)
        self.table.activated.connect(lambda _i: self.open_selected())
        resize_to_fit(self, 900, 560)
        self.reload()

    def reload(self) -> None:
        """Find the pairs again (background)."""
        book = self._book

        def work() -> tuple[list[DuplicatePair], list[ChildListRow]]:
            pairs = DuplicateService(book).pairs()
            ids = sorted({p.first_id for p in pairs} | {p.second_id for p in pairs})
            return pairs, ChildService(book).rows(ids)

        run_op(self, work, success=self._loaded)

    def _loaded(self, result: tuple[list[DuplicatePair], list[ChildListRow]]) -> None:
        pairs, rows = result
        by_id = {r.id: r for r in rows}
        self._pairs = [p for p in pairs if p.first_id in by_id and p.second_id in by_id]

        def label(row: ChildListRow) -> str:
            return f"{row.full_name} (hộ số {row.household_number}, {row.hamlet_name})"

        self.model.set_rows(
            [
                (
                    str(i),
                    [
                        label(by_id[p.first_id]),
                        label(by_id[p.second_id]),
                        format_vn_date(by_id[p.first_id].birth_date),
                        p.reason,
                    ],
                )
                for i, p in enumerate(self._pairs)
            ]
        )
        self.status.setText(
            self.tr("{n} cặp hồ sơ có thể trùng.").format(n=len(self._pairs))
            if self._pairs
            else self.tr("Không thấy hồ sơ nào có thể trùng.")
        )
        self.open_button.setEnabled(bool(self._pairs))
        self.loaded.emit()

    def _merged(self, _kept_id: str) -> None:
        self.changed.emit()
        self.reload()

    def open_selected(self) -> MergeDialog | None:
        """Open the merge dialog for the selected pair."""
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        pair = self._pairs[index.row()]
        record = ChildForm(
            full_name=self.model.text_at(index.row(), 0), birth_date=None, sex=0, id=pair.first_id
        )
        dialog = MergeDialog(
            self._book, record, household_id=None, other_id=pair.second_id, parent=self
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.merged.connect(self._merged)
        dialog.open()
        return dialog
