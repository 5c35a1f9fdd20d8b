"""The household table model, without a view, and its Vietnamese sort."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, Qt

from desktop.core.services.households import HouseholdRow
from desktop.ui.households.model import (
    CHILDREN,
    HEAD,
    ID_ROLE,
    NUMBER,
    SORT_ROLE,
    HouseholdTableModel,
    VietnameseSortProxy,
)


def row(i: int, hamlet: str, number: str, head: str, children: int = 1) -> HouseholdRow:
    return HouseholdRow(
        id=f"id-{i}",
        hamlet_name=hamlet,
        number=number,
        head_name=head,
        address="",
        poverty="Hộ nghèo",
        children=children,
    )


ROWS = [
    row(1, "Thôn Đông", "10", "Đặng Văn Đức", 2),
    row(2, "Thôn Đông", "2", "Nguyễn Văn An", 1),
    row(3, "Thôn Bắc", "1", "Lê Thị Ánh", 3),
    row(4, "Thôn Ân", "7", "Trần Ăn", 0),
    row(5, "Thôn An", "3", "Phạm Dũng", 4),
]


def test_model_without_a_view() -> None:
    model = HouseholdTableModel()
    assert model.rowCount() == 0
    model.set_rows(ROWS)
    assert model.rowCount() == 5
    assert model.columnCount() == 6
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert headers == ["Thôn/Tổ", "Số hộ", "Chủ hộ", "Địa chỉ", "Hoàn cảnh", "Số trẻ em"]
    assert model.index(1, HEAD).data() == "Nguyễn Văn An"
    assert model.index(0, CHILDREN).data() == "2"
    assert model.index(3, 0).data(ID_ROLE) == "id-4"
    assert model.row_of("id-3") == 2
    assert model.row_of("nope") == -1
    assert model.rowCount(model.index(0, 0)) == 0
    assert model.data(QModelIndex()) is None
    assert not model.flags(model.index(0, 0)) & Qt.ItemFlag.ItemIsEditable


def test_model_passes_qtmodeltester(qtmodeltester: Any) -> None:
    model = HouseholdTableModel()
    model.set_rows(ROWS)
    qtmodeltester.check(model)
    empty = HouseholdTableModel()
    qtmodeltester.check(empty)


def test_sort_follows_vietnamese_order(qtmodeltester: Any) -> None:
    model = HouseholdTableModel()
    model.set_rows(ROWS)
    proxy = VietnameseSortProxy()
    proxy.setSourceModel(model)
    qtmodeltester.check(proxy)

    def column(c: int) -> list[str]:
        return [proxy.index(r, c).data() for r in range(proxy.rowCount())]

    proxy.sort(0, Qt.SortOrder.AscendingOrder)  # a < ă < â < b … d < đ
    assert column(0) == ["Thôn An", "Thôn Ân", "Thôn Bắc", "Thôn Đông", "Thôn Đông"]
    proxy.sort(NUMBER, Qt.SortOrder.AscendingOrder)  # numbers as numbers: 2 < 10
    assert column(NUMBER) == ["1", "2", "3", "7", "10"]
    proxy.sort(HEAD, Qt.SortOrder.AscendingOrder)  # by given name first
    assert column(HEAD) == [
        "Nguyễn Văn An",
        "Lê Thị Ánh",
        "Trần Ăn",
        "Phạm Dũng",
        "Đặng Văn Đức",
    ]
    proxy.sort(CHILDREN, Qt.SortOrder.DescendingOrder)
    assert column(CHILDREN) == ["4", "3", "2", "1", "0"]
    assert model.index(0, HEAD).data(SORT_ROLE) is not None
