"""The children table model, without a view."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import Qt

from desktop.core.domain.child_rules import Flag
from desktop.core.services.children import ChildListRow
from desktop.ui.children.model import AGE, BIRTH, FLAGS, NAME, SEX, ChildTableModel
from desktop.ui.children.records import KEY_ROLE, RecordsModel

ROWS = [
    ChildListRow("a", "Nguyễn Thị Ánh", date(2024, 1, 10), 2, "Thôn Đông", "h1", "1",
                 "Nguyễn Văn Bình", ethnicity="Kinh", age=2,
                 flags=frozenset({Flag.BIRTH_UNREGISTERED, Flag.BIRTH_OVERDUE,
                                  Flag.NO_INSURANCE, Flag.UNDER6_NO_INSURANCE})),
    ChildListRow("b", "Trần Văn Cường", date(2011, 6, 1), 1, "Thôn Đông", "h2", "2",
                 "Trần Đức Hải", age=15, status="moved_out", status_date=date(2026, 10, 1)),
]  # fmt: skip


def test_rows_show_the_child_and_its_alerts() -> None:
    model = ChildTableModel()
    model.set_ids(["a", "b"], ROWS)
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert headers[:3] == ["Họ và tên", "Ngày sinh", "Tuổi"]
    assert model.index(0, NAME).data() == "Nguyễn Thị Ánh"
    assert model.index(0, BIRTH).data() == "10/01/2024"
    assert model.index(0, AGE).data() == "2"
    assert model.index(0, SEX).data() == "Nữ"
    assert model.index(0, FLAGS).data() == (
        "Quá 60 ngày chưa đăng ký khai sinh; Dưới 6 tuổi chưa có thẻ BHYT còn hạn"
    )
    assert model.index(1, FLAGS).data() == "Đã chuyển đi 01/10/2026"
    assert model.index(0, AGE).data(Qt.ItemDataRole.TextAlignmentRole) is not None


def test_children_model_passes_qtmodeltester(qtmodeltester: Any) -> None:
    model = ChildTableModel()
    model.rows_needed.connect(lambda ids: model.add_rows([r for r in ROWS if r.id in ids]))
    model.set_ids(["a", "b"])
    qtmodeltester.check(model)


def test_records_model(qtmodeltester: Any) -> None:
    model = RecordsModel(["Ngày", "Biến động"], "Test")
    model.set_rows([("e1", ["01/02/2026", "Sinh"]), ("e2", ["03/04/2026", "Chuyển đi"])])
    qtmodeltester.check(model)
    assert model.key_at(1) == "e2" and model.text_at(1, 1) == "Chuyển đi"
    assert model.index(0, 1).data(KEY_ROLE) == "e1"
    assert model.headerData(1, Qt.Orientation.Horizontal) == "Biến động"
