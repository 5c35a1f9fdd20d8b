"""The wizard's table models, without a view and under qtmodeltester."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from desktop.core.importer.rows import RowProblem
from desktop.core.services.imports import PreviewLine
from desktop.ui.imports.models import PreviewTableModel, ProblemTableModel, SampleTableModel

DISPLAY = Qt.ItemDataRole.DisplayRole


def test_problem_model(qtmodeltester: Any) -> None:
    model = ProblemTableModel()
    model.set_rows(
        [
            RowProblem(7, "Ngày sinh", "ngày 31/02/2019 không tồn tại.", "Hãy ghi dd/mm/yyyy."),
            RowProblem(9, "", "trùng với dòng 4.", ""),
        ]
    )
    assert model.rowCount() == 2 and model.columnCount() == 4
    header = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(4)]
    assert header == ["Dòng", "Cột", "Lỗi", "Cách sửa"]
    assert model.data(model.index(0, 0), DISPLAY) == "7"
    assert model.data(model.index(0, 2), DISPLAY) == "Ngày 31/02/2019 không tồn tại."
    assert model.data(model.index(0, 2), Qt.ItemDataRole.ForegroundRole) is not None
    assert model.data(model.index(5, 0), DISPLAY) is None
    qtmodeltester.check(model)


def test_preview_model(qtmodeltester: Any) -> None:
    model = PreviewTableModel()
    model.set_rows(
        [
            PreviewLine(4, "Thêm mới", "Nguyễn Thị Mai", "05/09/2019", "Thôn Đông", "12", "", True),
            PreviewLine(5, "Cập nhật", "Lê Văn Bé", "01/01/2018", "Thôn Đông", "3",
                        "Học tập: Mẫu giáo → Tiểu học", True),
        ]
    )  # fmt: skip
    assert model.data(model.index(1, 6), DISPLAY) == "Học tập: Mẫu giáo → Tiểu học"
    assert model.data(model.index(0, 1), Qt.ItemDataRole.ForegroundRole) is not None
    assert model.data(model.index(1, 1), Qt.ItemDataRole.ForegroundRole) is None
    assert model.row_at(1).full_name == "Lê Văn Bé"
    qtmodeltester.check(model)


def test_sample_model_titles_columns_by_letter_and_header(qtmodeltester: Any) -> None:
    model = SampleTableModel()
    model.set_sample(["Tên thôn", "", "Tên bé"], [["Thôn Đông", "12", "Mai", "thừa"]])
    assert model.columnCount() == 4
    assert [model.column_title(c) for c in range(4)] == ["A — Tên thôn", "B", "C — Tên bé", "D"]
    assert model.data(model.index(0, 3), DISPLAY) == "thừa"
    qtmodeltester.check(model)
    model.set_sample([], [])
    assert model.rowCount() == 0
