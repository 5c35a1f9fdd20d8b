"""The protocol carries a report's PDF whole in one column, checked against its SHA-256."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import pytest
from pydantic import ValidationError

from sync.columns import SYNC_COLUMNS
from sync.protocol import (
    DOCUMENT_TABLE,
    LONG_TEXT_COLUMNS,
    MAX_DOCUMENT_BYTES,
    MAX_DOCUMENT_CHARS,
    MAX_STRING_LENGTH,
    RecordItem,
    validation_error_vi,
)

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"


def _item(content: bytes = PDF, **data: Any) -> dict[str, Any]:
    return {
        "table": DOCUMENT_TABLE,
        "id": "0190a5f4-1111-8222-8333-444455556666",
        "version": 1,
        "base_version": 0,
        "updated_at": "2026-05-01T08:00:00+07:00",
        "updated_by": "can-bo-xa",
        "data": {
            "report_id": "0190a5f4-1111-8222-8333-444455557777",
            "file_name": "bao-cao-12345-2026-H1-v1.pdf",
            "size_bytes": len(content),
            "sha256": hashlib.sha256(content).hexdigest(),
            "content_base64": base64.b64encode(content).decode("ascii"),
            **data,
        },
    }


def _refusal(raw: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as caught:
        RecordItem.model_validate(raw)
    return validation_error_vi(caught.value)


def test_each_long_column_belongs_to_one_table_and_fits_the_body_limit() -> None:
    from sync.server.settings import DEFAULT_MAX_BODY_BYTES

    for name in LONG_TEXT_COLUMNS:
        assert [t for t, cols in SYNC_COLUMNS.items() if name in cols] == [DOCUMENT_TABLE]
    assert MAX_DOCUMENT_CHARS > MAX_STRING_LENGTH
    # One document alone in a batch, with its envelope, stays under the server's limit.
    assert MAX_DOCUMENT_CHARS + 64 * 1024 < DEFAULT_MAX_BODY_BYTES
    assert len(base64.b64encode(b"x" * MAX_DOCUMENT_BYTES)) == MAX_DOCUMENT_CHARS


def test_a_whole_document_passes_and_every_damage_is_named() -> None:
    assert len(RecordItem.model_validate(_item()).data["content_base64"]) > MAX_STRING_LENGTH  # type: ignore[arg-type]
    assert "SHA-256 không khớp" in _refusal(_item(sha256="a" * 64))
    assert "64 chữ số hex" in _refusal(_item(sha256="ABC"))
    assert "khác kích thước đã ghi" in _refusal(_item(size_bytes=len(PDF) + 1))
    assert "không phải base64" in _refusal(_item(content_base64="***"))
    assert "tên tệp" in _refusal(_item(file_name='x".pdf'))
    assert "không phải tệp PDF" in _refusal(_item(b"<html>not a pdf</html>"))
    # A tombstone carries no file.
    gone = _item()
    gone["deleted"] = True
    gone["data"] = {}
    assert RecordItem.model_validate(gone).deleted


def test_the_long_limit_is_for_that_column_only() -> None:
    text = "a" * (MAX_STRING_LENGTH + 1)
    other = {**_item(), "table": "periodic_reports", "data": {"results_text": text}}
    assert f"tối đa {MAX_STRING_LENGTH}" in _refusal(other)
    huge = _item()
    huge["data"]["content_base64"] = "A" * (MAX_DOCUMENT_CHARS + 4)
    assert f"tối đa {MAX_DOCUMENT_CHARS}" in _refusal(huge)


def test_a_pulled_document_is_checked_as_a_pushed_one() -> None:
    from sync.protocol import PulledRecord

    raw = {**_item(), "seq": 7, "deleted": False}
    raw.pop("base_version")
    assert PulledRecord.model_validate(raw).seq == 7
    raw["data"] = {**raw["data"], "sha256": "b" * 64}
    with pytest.raises(ValidationError, match="SHA-256 không khớp"):
        PulledRecord.model_validate(raw)
