"""The search box and filters shared by the children and households lists."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QGridLayout, QLabel, QLineEdit, QPushButton, QWidget

from desktop.core.domain.child_rules import FLAG_LABELS, Flag
from desktop.core.domain.permissions import Action
from desktop.core.domain.population import SEX_LABELS
from desktop.core.services import codes
from desktop.core.services.book import CurrentUser
from desktop.core.services.book_index import AGE_FILTERS, POPULATIONS, ChildQuery, HouseholdQuery
from desktop.core.services.households import HamletItem
from desktop.ui.widgets import FoldingComboBox

POVERTY_SHORT = {"HN01": "Hộ nghèo", "HN02": "Hộ cận nghèo", "HN03": "Không nghèo"}
_PERSONAL_FLAGS = {Flag.ID_MISSING, Flag.ID_TO_CHECK}


class FilterBar(QWidget):
    """Search text and filters; ``changed`` after a filter changes, ``text_changed`` on typing."""

    changed = Signal()
    text_changed = Signal()

    def __init__(self, user: CurrentUser, *, children: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search = QLineEdit()
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(300)
        if children:
            self.search.setPlaceholderText(
                self.tr("Tìm theo tên trẻ, số định danh, tên chủ hộ, thôn… (gõ không dấu được)")
            )
        else:
            self.search.setPlaceholderText(
                self.tr("Tìm theo tên chủ hộ, tên thành viên, số hộ, thôn… (gõ không dấu được)")
            )
        self.hamlet = FoldingComboBox()
        self.hamlet.setMinimumWidth(120)
        self.set_hamlets([])
        self.population = FoldingComboBox()
        self.population.set_items([(self.tr(label), key) for key, label in POPULATIONS.items()])
        self.population.setMinimumWidth(160)
        self.age = FoldingComboBox()
        self.age.set_items(
            [(self.tr("Mọi lứa tuổi"), None)]
            + [(self.tr(label), key) for key, (label, _, _) in AGE_FILTERS.items()]
        )
        self.sex = FoldingComboBox()
        self.sex.set_items(
            [(self.tr("Nam và nữ"), None)] + [(label, code) for code, label in SEX_LABELS.items()]
        )
        self.ethnicity = FoldingComboBox()
        self.ethnicity.set_items(
            [(self.tr("Mọi dân tộc"), None)] + [(c.name, c.code) for c in codes.ethnic_groups()]
        )
        self.ethnicity.setMinimumWidth(100)
        self.poverty = FoldingComboBox()
        self.poverty.set_items(
            [(self.tr("Mọi hoàn cảnh hộ"), None)]
            + [
                (self.tr(POVERTY_SHORT.get(c.code, c.name)), c.code)
                for c in codes.poverty_statuses()
            ]
        )
        self.flag = FoldingComboBox()
        allowed = [
            flag
            for flag in Flag
            if (flag != Flag.DISABILITY or user.may(Action.VIEW_SENSITIVE))
            and (flag not in _PERSONAL_FLAGS or user.may(Action.VIEW_PERSONAL))
        ]
        self.flag.set_items(
            [(self.tr("Không lọc cảnh báo"), None)]
            + [(self.tr(FLAG_LABELS[f]), f) for f in allowed]
        )
        self.flag.setMinimumWidth(170)
        self.reset_button = QPushButton(self.tr("Bỏ lọc"))
        self.reset_button.setAutoDefault(False)

        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(6)
        grid.setVerticalSpacing(6)
        grid.addWidget(self.search, 0, 0, 1, 4)
        grid.addWidget(QLabel(self.tr("Thôn/Tổ:")), 0, 4)
        grid.addWidget(self.hamlet, 0, 5)
        if children:
            grid.addWidget(QLabel(self.tr("Hiển thị:")), 0, 6)
            grid.addWidget(self.population, 0, 7)
        else:
            self.population.hide()
        grid.addWidget(self.age, 1, 0)
        grid.addWidget(self.sex, 1, 1)
        grid.addWidget(self.ethnicity, 1, 2)
        grid.addWidget(self.poverty, 1, 3)
        grid.addWidget(QLabel(self.tr("Cảnh báo:")), 1, 4)
        grid.addWidget(self.flag, 1, 5, 1, 2)
        grid.addWidget(self.reset_button, 1, 7)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(2, 1)
        grid.setColumnStretch(3, 1)

        self.search.textChanged.connect(lambda _t: self.text_changed.emit())
        for combo in self.combos():
            # Not as wide as the longest choice: at 125 % scaling the bar must fit 865 px.
            # The drop-down list still shows every choice whole.
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.setMinimumContentsLength(6)
            combo.view().setMinimumWidth(combo.view().sizeHintForColumn(0) + 24)
            combo.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self.reset_button.clicked.connect(self.reset)

    def combos(self) -> list[QComboBox]:
        """Every filter drop-down."""
        return [self.hamlet, self.population, self.age, self.sex, self.ethnicity, self.poverty,
                self.flag]  # fmt: skip

    def set_hamlets(self, hamlets: Sequence[HamletItem]) -> None:
        """Offer these hamlets (keeps the one chosen if it is still there)."""
        current = self.hamlet.current_data()
        self.hamlet.blockSignals(True)
        self.hamlet.set_items(
            [(self.tr("Tất cả thôn/tổ"), None)] + [(h.name, h.id) for h in hamlets]
        )
        self.hamlet.set_current_data(current)
        self.hamlet.view().setMinimumWidth(self.hamlet.view().sizeHintForColumn(0) + 24)
        self.hamlet.blockSignals(False)

    def reset(self) -> None:
        """Clear the text and every filter (one search afterwards)."""
        for combo in self.combos():
            combo.blockSignals(True)
            combo.setCurrentIndex(0)
            combo.blockSignals(False)
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)
        self.changed.emit()

    def _value(self, combo: FoldingComboBox) -> object:
        return combo.current_data()

    def child_query(self, order: str = "name", descending: bool = False) -> ChildQuery:
        """The children list's query."""
        flag = self.flag.current_data()
        sex = self.sex.current_data()
        return ChildQuery(
            text=self.search.text(),
            hamlet_id=_text_or_none(self.hamlet.current_data()),
            age_group=_text_or_none(self.age.current_data()),
            sex=sex if isinstance(sex, int) else None,
            ethnicity_code=_text_or_none(self.ethnicity.current_data()),
            poverty_code=_text_or_none(self.poverty.current_data()),
            flags=frozenset({Flag(flag)}) if isinstance(flag, str) and flag else frozenset(),
            population=_text_or_none(self.population.current_data()) or "children",
            order=order,
            descending=descending,
        )

    def household_query(self) -> HouseholdQuery:
        """The households list's query (child filters keep households having such a child)."""
        child = self.child_query()
        return HouseholdQuery(
            text=child.text,
            hamlet_id=child.hamlet_id,
            poverty_code=child.poverty_code,
            age_group=child.age_group,
            sex=child.sex,
            ethnicity_code=child.ethnicity_code,
            flags=child.flags,
        )

    def any_filter(self) -> bool:
        """True if text or a filter narrows the list."""
        return bool(self.search.text().strip()) or any(
            combo.currentIndex() > 0 for combo in self.combos() if combo is not self.population
        )


def _text_or_none(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
