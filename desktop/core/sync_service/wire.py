"""Rows ↔ protocol: a row's synced columns as wire data and back, and how a value is shown."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, DateTime, Float, Integer
from sqlalchemy.types import TypeDecorator

from desktop.core.domain.dates import format_vn_date, parse_vn_date
from desktop.core.domain.errors import FieldProblem, ValidationError
from desktop.core.domain.labels import FIELD_LABELS, TABLE_LABELS
from desktop.core.domain.text import clean_text, fold
from desktop.core.storage.base import SyncColumns, SyncState
from desktop.core.sync_service.shared import _LOCAL_ONLY
from sync import clock
from sync.protocol import RecordItem

_as_utc = clock.as_utc  # the book's columns are aware already; values from JSON may not be


def _wire_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return _as_utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _table_columns(model: type[SyncColumns]) -> list[Any]:
    return list(model.__table__.columns)  # type: ignore[attr-defined]


def synced_columns(model: type[SyncColumns]) -> list[Any]:
    """The columns of ``model`` that travel in an item's data."""
    return [
        c for c in _table_columns(model) if c.key not in _LOCAL_ONLY and not c.key.endswith("_key")
    ]


def row_data(row: SyncColumns) -> dict[str, Any]:
    """The data of one local row as the protocol carries it."""
    return {c.key: _wire_value(getattr(row, c.key)) for c in synced_columns(type(row))}


def record_item(table: str, row: SyncColumns, base_version: int | None = None) -> RecordItem:
    """The protocol form of one local row: every column but the local bookkeeping.

    ``base_version`` defaults to the version the server last accepted; a row whose earlier
    version is still in an unanswered batch builds on that version instead (the server
    applies a commune's batches in the order they are sent).
    """
    return RecordItem(
        table=table,
        id=row.id,
        version=row.version,
        base_version=row.synced_version if base_version is None else base_version,
        deleted=row.deleted,
        updated_at=_as_utc(row.updated_at),
        updated_by=row.updated_by,
        data=row_data(row),
    )


def _column_kind(column: Any) -> str:
    kind = column.type
    if isinstance(kind, TypeDecorator):  # e.g. UtcDateTime: judge by the stored type
        kind = kind.impl_instance
    if isinstance(kind, Boolean):
        return "bool"
    if isinstance(kind, DateTime):
        return "datetime"
    if isinstance(kind, Date):
        return "date"
    if isinstance(kind, Integer):
        return "int"
    if isinstance(kind, Float):
        return "float"
    return "text"


def _from_wire(column: Any, value: Any) -> Any:
    """A protocol value as the column holds it; ValueError if it does not fit."""
    if value is None:
        if not column.nullable:
            raise ValueError(f"trường {column.key} không được để trống")
        return None
    kind = _column_kind(column)
    if kind == "bool":
        if not isinstance(value, bool):
            raise ValueError(f"trường {column.key} phải là true/false")
        return value
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"trường {column.key} phải là số nguyên")
        return value
    if kind == "float":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"trường {column.key} phải là số")
        return float(value)
    if not isinstance(value, str):
        raise ValueError(f"trường {column.key} phải là chuỗi")
    if kind == "date":
        return date.fromisoformat(value)
    if kind == "datetime":
        return _as_utc(datetime.fromisoformat(value))
    length = getattr(column.type, "length", None)
    if length is not None and len(value) > length:
        raise ValueError(f"trường {column.key} dài quá {length} ký tự")
    return value


def _refresh_keys(row: SyncColumns) -> None:
    """Rebuild the derived search keys (``name_key`` …) from the fields they fold."""
    for column in _table_columns(type(row)):
        if not column.key.endswith("_key"):
            continue
        source = column.key[: -len("_key")]
        if not hasattr(row, source):
            source = "full_name"
        setattr(row, column.key, fold(getattr(row, source, "") or ""))


def _assign_data(row: SyncColumns, data: dict[str, Any]) -> None:
    """Write protocol data into a row (a page with unknown keys was refused before it was kept)."""
    for column in synced_columns(type(row)):
        if column.key in data:
            setattr(row, column.key, _from_wire(column, data[column.key]))
    _refresh_keys(row)


def field_label(key: str) -> str:
    """The Vietnamese name of a synced field (a column added later shows a readable form)."""
    label = FIELD_LABELS.get(key)
    if label is not None:
        return label
    # A column added by a later version without a label here: still readable, never hidden.
    return "Trường " + key.replace("_", " ")


def _display(kind: str, value: Any) -> str:
    if value is None:
        return ""
    if kind == "bool" or isinstance(value, bool):
        return "Có" if value else "Không"
    if kind == "date" and isinstance(value, str):
        try:
            return format_vn_date(date.fromisoformat(value))
        except ValueError:
            return value
    if kind == "datetime" and isinstance(value, str):
        try:
            return clock.format_datetime(datetime.fromisoformat(value))
        except ValueError:
            return value
    return str(value)


def _title(table: str, values: dict[str, Any]) -> str:
    """A readable name for a row in lists (never its UUID alone when a name exists)."""
    if table == "persons" and values.get("full_name"):
        born = _display("date", values.get("birth_date"))
        return f"{values['full_name']}" + (f" ({born})" if born else "")
    if table == "households" and (values.get("number") or values.get("head_name")):
        return f"Hộ số {values.get('number', '')} – {values.get('head_name', '')}".strip()
    if table == "hamlets" and values.get("name"):
        return str(values["name"])
    return TABLE_LABELS.get(table, table)


def _parse_edit(column: Any, text: str, label: str) -> Any:
    """What the officer typed for one field, as the column holds it."""
    kind = _column_kind(column)
    clean = clean_text(text)
    if not clean:
        if column.nullable:
            return None
        if kind == "text":
            return ""
        raise ValidationError(FieldProblem(column.key, f"{label}: không được để trống."))
    if kind == "date":
        return parse_vn_date(clean, column.key, label)
    if kind == "bool":
        folded = fold(clean)
        if folded in {"co", "c", "true", "1", "x"}:
            return True
        if folded in {"khong", "k", "false", "0"}:
            return False
        raise ValidationError(FieldProblem(column.key, f"{label}: hãy nhập “Có” hoặc “Không”."))
    if kind == "int":
        try:
            return int(clean)
        except ValueError:
            raise ValidationError(
                FieldProblem(column.key, f"{label}: hãy nhập một số nguyên.")
            ) from None
    if kind == "float":
        try:
            return float(clean.replace(",", "."))
        except ValueError:
            raise ValidationError(FieldProblem(column.key, f"{label}: hãy nhập một số.")) from None
    if kind == "datetime":
        raise ValidationError(FieldProblem(column.key, f"{label}: không sửa tay được trường này."))
    length = getattr(column.type, "length", None)
    if length is not None and len(clean) > length:
        raise ValidationError(
            FieldProblem(column.key, f"{label}: dài {len(clean)} ký tự, tối đa {length}.")
        )
    return clean


def _queued_state(row: SyncColumns) -> str:
    return SyncState.TO_UPDATE.value if row.synced_version else SyncState.TO_POST.value


def _same_value(a: Any, b: Any) -> bool:
    return bool(type(a) is type(b) and a == b) or (
        isinstance(a, int | float) and isinstance(b, int | float) and not isinstance(a, bool)
        and not isinstance(b, bool) and a == b
    )  # fmt: skip


def _same_data(mine: dict[str, Any], theirs: dict[str, Any]) -> bool:
    keys = set(mine) | set(theirs)
    return all(_same_value(mine.get(k), theirs.get(k)) for k in keys)
