"""The administrator's lists: the holiday calendar the working-day clocks skip (Tết and Giỗ Tổ
move every year) and the at-risk categories (codes never reused)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.core.domain.permissions import Action
from desktop.core.services.book import Book
from desktop.core.services.protection import (
    HolidayRow,
    HolidayService,
    RiskCategory,
    RiskService,
)
from desktop.ui import messages
from desktop.ui.ops import run_op
from desktop.ui.protection.common import ListModel, date_text, gate, make_table, selected_row, tr
from desktop.ui.widgets import DateLineEdit, ErrorLabel
from sync import clock

_WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")
_SOURCES = {"builtin": "Có sẵn", "added": "Quản trị viên thêm", "removed": "Đã bỏ (đi làm)"}

HOLIDAY_COLUMNS = [
    ("Ngày", lambda r: date_text(r.day)),
    ("Thứ", lambda r: tr(_WEEKDAYS[r.day.weekday()])),
    ("Tên ngày nghỉ", lambda r: r.name),
    ("Nguồn", lambda r: tr(_SOURCES.get(r.source, r.source))),
]
CATEGORY_COLUMNS = [
    ("Mã", lambda c: c.code),
    ("Loại nguy cơ", lambda c: c.name),
    ("Đang dùng", lambda c: tr("Có") if c.active else tr("Đã ngừng")),
]


class SettingsView(QWidget):
    """Holidays of a year and the at-risk categories; only the administrator changes them."""

    loaded = Signal()

    def __init__(self, book: Book, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._book = book
        self._holidays = HolidayService(book)
        self._risks = RiskService(book)
        user = book.user
        self.year = QSpinBox()
        self.year.setRange(2020, 2099)
        self.year.setValue(clock.today().year)
        self.holidays = ListModel(
            [(tr(h), f) for h, f in HOLIDAY_COLUMNS],
            self,
            colour=lambda r: "#9ca3af" if not r.is_day_off else None,
        )
        self.holiday_table = make_table(self.holidays, (100, 90, 260))
        self.day = DateLineEdit(label=self.tr("Ngày nghỉ"))
        self.day.setMaximumWidth(130)
        self.day_name = QLineEdit()
        self.day_name.setPlaceholderText(self.tr("ví dụ: Nghỉ bù Tết Nguyên đán"))
        self.add_day = QPushButton(self.tr("Thêm ngày nghỉ"))
        self.remove_day = QPushButton(self.tr("Bỏ ngày đã chọn (đi làm)"))
        self.holiday_error = ErrorLabel()
        self.category_name = QLineEdit()
        self.category_name.setPlaceholderText(self.tr("tên loại nguy cơ mới"))
        self.add_category = QPushButton(self.tr("Thêm loại"))
        self.toggle_category = QPushButton(self.tr("Ngừng / dùng lại loại đã chọn"))
        self.categories = ListModel([(tr(h), f) for h, f in CATEGORY_COLUMNS], self)
        self.category_table = make_table(self.categories, (60, 360))
        self.category_error = ErrorLabel()
        editors: tuple[QWidget, ...] = (
            self.add_day, self.remove_day, self.add_category, self.toggle_category,
            self.day, self.day_name, self.category_name,
        )  # fmt: skip
        for widget in editors:
            gate(widget, user, Action.SETTINGS)

        left = QVBoxLayout()
        title = QLabel(self.tr("Lịch ngày nghỉ (không tính vào 5 ngày làm việc)"))
        title.setObjectName("sectionTitle")
        title.setWordWrap(True)
        year_line = QHBoxLayout()
        year_line.addWidget(QLabel(self.tr("Năm:")))
        year_line.addWidget(self.year)
        year_line.addStretch(1)
        add_line = QHBoxLayout()
        add_line.addWidget(self.day)
        add_line.addWidget(self.day_name, 1)
        add_line.addWidget(self.add_day)
        left.addWidget(title)
        left.addLayout(year_line)
        left.addWidget(self.holiday_table, 1)
        left.addLayout(add_line)
        left.addWidget(self.remove_day)
        left.addWidget(self.holiday_error)
        right = QVBoxLayout()
        title2 = QLabel(self.tr("Loại nguy cơ rơi vào hoàn cảnh đặc biệt"))
        title2.setObjectName("sectionTitle")
        title2.setWordWrap(True)
        hint = QLabel(self.tr("Mã đã cấp không bao giờ dùng lại; loại không dùng nữa thì ngừng."))
        hint.setObjectName("hintLabel")
        hint.setWordWrap(True)
        cat_line = QHBoxLayout()
        cat_line.addWidget(self.category_name, 1)
        cat_line.addWidget(self.add_category)
        right.addWidget(title2)
        right.addWidget(hint)
        right.addWidget(self.category_table, 1)
        right.addLayout(cat_line)
        right.addWidget(self.toggle_category)
        right.addWidget(self.category_error)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.addLayout(left, 1)
        layout.addLayout(right, 1)
        self.year.valueChanged.connect(lambda _v: self.refresh())
        self.add_day.clicked.connect(self.add_holiday)
        self.remove_day.clicked.connect(self.remove_holiday)
        self.add_category.clicked.connect(self.new_category)
        self.toggle_category.clicked.connect(self.toggle_selected)

    def showEvent(self, event: QShowEvent) -> None:
        """Shown: read again."""
        super().showEvent(event)
        self.refresh()

    def refresh(self) -> None:
        """Both lists (background)."""
        holidays, risks, year = self._holidays, self._risks, self.year.value()
        run_op(
            self,
            lambda: (holidays.list(year), risks.categories(include_retired=True)),
            success=self._loaded,
        )

    def _loaded(self, found: tuple[tuple[HolidayRow, ...], tuple[RiskCategory, ...]]) -> None:
        days, categories = found
        self.holidays.set_rows(list(days))
        self.categories.set_rows(list(categories))
        self.loaded.emit()

    def _run(self, work: object, error: ErrorLabel) -> None:
        def failed(exc: BaseException) -> None:
            text = getattr(exc, "message_vi", "")
            if text:
                error.show_message(text)
            else:
                messages.show_exception(self, exc)

        error.show_message("")
        run_op(self, work, success=lambda _r: self.refresh(), failure=failed)  # type: ignore[arg-type]

    def add_holiday(self) -> None:
        """Make the typed day a day off."""
        self.day.check()
        day = self.day.value()
        if day is None:
            self.holiday_error.show_message(
                self.day.problem or self.tr("Nhập ngày nghỉ dạng dd/mm/yyyy.")
            )
            return
        name = self.day_name.text().strip() or self.tr("Ngày nghỉ")
        service = self._holidays
        self._run(lambda: service.add(day, name), self.holiday_error)
        self.day.set_value(None)
        self.day_name.clear()

    def remove_holiday(self) -> None:
        """Make the selected day a working day again."""
        row = selected_row(self.holiday_table)
        if row is None:
            self.holiday_error.show_message(self.tr("Hãy chọn một ngày trong bảng."))
            return
        service = self._holidays
        self._run(lambda: service.remove(row.day), self.holiday_error)

    def new_category(self) -> None:
        """Add a category with the next code."""
        name = self.category_name.text().strip()
        if not name:
            self.category_error.show_message(self.tr("Nhập tên loại nguy cơ."))
            return
        service = self._risks
        self._run(lambda: service.add_category(name), self.category_error)
        self.category_name.clear()

    def toggle_selected(self) -> None:
        """Retire the selected category, or bring it back."""
        row = selected_row(self.category_table)
        if row is None:
            self.category_error.show_message(self.tr("Hãy chọn một loại trong bảng."))
            return
        service = self._risks
        self._run(
            lambda: service.set_category_active(row.code, not row.active), self.category_error
        )
