"""The children list as a table model: ids of a search, rows fetched on demand."""

from __future__ import annotations

from typing import Any

from desktop.core.domain.child_rules import STATUS_LABELS
from desktop.core.domain.dates import format_vn_date
from desktop.core.domain.population import SEX_LABELS
from desktop.core.services.children import ChildListRow
from desktop.ui.children.lazy import Column, LazyRowsModel


def _state(row: ChildListRow) -> str:
    if row.status != "active":
        label = STATUS_LABELS.get(row.status, row.status)
        return f"{label} {format_vn_date(row.status_date)}".strip()
    return row.flag_text


COLUMNS = (
    Column("Họ và tên", lambda r: r.full_name),
    Column("Ngày sinh", lambda r: format_vn_date(r.birth_date)),
    Column("Tuổi", lambda r: str(r.age), right=True),
    Column("Giới tính", lambda r: SEX_LABELS.get(r.sex, "")),
    Column("Dân tộc", lambda r: r.ethnicity),
    Column("Thôn/Tổ", lambda r: r.hamlet_name),
    Column("Số hộ", lambda r: r.household_number, right=True),
    Column("Chủ hộ", lambda r: r.head_name),
    Column("Số định danh", lambda r: r.id_number),
    Column("Cảnh báo, tình trạng", _state),
)
NAME, BIRTH, AGE, SEX, ETHNICITY, HAMLET, NUMBER, HEAD, ID_NUMBER, FLAGS = range(len(COLUMNS))
# Columns the list can be ordered by (the service sorts): column → ChildQuery.order.
SORTABLE = {NAME: "name", BIRTH: "birth", AGE: "birth", HAMLET: "household", NUMBER: "household"}


class ChildTableModel(LazyRowsModel):
    """Rows of ``ChildListRow``, by id."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(COLUMNS, "ChildTableModel", parent)
