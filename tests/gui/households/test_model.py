"""The household table model, without a view: ids in order, rows fetched on demand."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, Qt

from desktop.core.services.households import HouseholdRow
from desktop.ui.children.lazy import LOADING
from desktop.ui.households.model import (
    CHILDREN,
    HEAD,
    ID_ROLE,
    POVERTY,
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
        poverty_year=2025 if i == 1 else None,
        collaborator_name="Đặng Thị Thu",
    )


ROWS = [row(i, "Thôn Đông", str(i), f"Chủ hộ {i}", i % 3) for i in range(1, 301)]
IDS = [r.id for r in ROWS]


def test_model_without_a_view() -> None:
    model = HouseholdTableModel()
    assert model.rowCount() == 0
    model.set_ids(IDS, ROWS[:50])
    assert model.rowCount() == 300
    assert model.columnCount() == 7
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert headers == [
        "Thôn/Tổ", "Số hộ", "Chủ hộ", "Địa chỉ", "Hoàn cảnh", "Số trẻ em", "Cộng tác viên",
    ]  # fmt: skip
    assert model.index(1, HEAD).data() == "Chủ hộ 2"
    assert model.index(0, POVERTY).data() == "Hộ nghèo (2025)"
    assert model.index(0, CHILDREN).data() == "1"
    assert model.index(3, 0).data(ID_ROLE) == "id-4"
    assert model.row_of("id-3") == 2
    assert model.row_of("nope") == -1
    assert model.rowCount(model.index(0, 0)) == 0
    assert model.data(QModelIndex()) is None
    assert not model.flags(model.index(0, 0)) & Qt.ItemFlag.ItemIsEditable
    assert model.row_at(0).head_name == "Chủ hộ 1"


def test_rows_are_fetched_on_demand() -> None:
    model = HouseholdTableModel()
    model.set_ids(IDS, ROWS[:50])
    asked: list[list[str]] = []
    model.rows_needed.connect(asked.append)
    assert model.index(200, HEAD).data() is None
    assert model.index(200, 0).data() == LOADING
    assert len(asked) == 1 and "id-201" in asked[0] and len(asked[0]) <= 120
    model.index(201, 0).data()
    assert all(set(later).isdisjoint(asked[0]) for later in asked[1:])  # never asked twice
    changed: list[int] = []
    model.dataChanged.connect(lambda top, _bottom: changed.append(top.row()))
    model.add_rows([r for r in ROWS if r.id in asked[0]])
    assert model.index(200, HEAD).data() == "Chủ hộ 201"
    assert changed and model.loaded(200)
    model.forget(["id-201"])
    assert not model.loaded(200)
    assert model.index(200, 0).data() == LOADING
    assert "id-201" in asked[-1]


def test_model_passes_qtmodeltester(qtmodeltester: Any) -> None:
    model = HouseholdTableModel()
    model.rows_needed.connect(lambda ids: model.add_rows([r for r in ROWS if r.id in ids]))
    model.set_ids(IDS, ROWS[:10])
    qtmodeltester.check(model)
    qtmodeltester.check(HouseholdTableModel())


def test_the_proxy_passes_rows_through_in_the_service_order(qtmodeltester: Any) -> None:
    model = HouseholdTableModel()
    model.set_ids(IDS[:5], ROWS[:5])
    proxy = VietnameseSortProxy()
    proxy.setSourceModel(model)
    qtmodeltester.check(proxy)
    assert [proxy.index(r, HEAD).data() for r in range(5)] == [f"Chủ hộ {i}" for i in range(1, 6)]
