"""The official PDF kept with each finalised version of a periodic report (synced upstream)."""

from __future__ import annotations

import hashlib
import io
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
import time_machine
from pypdf import PdfReader
from sqlalchemy import delete, select

from desktop.core.services.children import ChildService
from desktop.core.services.indicators import IndicatorService
from desktop.core.storage.base import SyncState
from desktop.core.storage.models import ReportDocument
from sync import clock
from sync.protocol import RecordItem

CODE = "2026-H1"


def _text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _register_e(book: Any, small_book: dict[str, str]) -> None:
    """A change to the book after finalising: child E gets a birth registration."""
    children = ChildService(book)
    form = children.get_child(small_book["E"])
    later = clock.now() + timedelta(days=1)
    with time_machine.travel(later, tick=False):
        children.save_child(
            replace(form, birth_registered=True, birth_registration_date=date(2024, 2, 1)),
            children.household_of(small_book["E"]),
            accept_warnings=True,
        )


def test_finalising_keeps_the_printed_document_of_that_version(
    book: Any, small_book: dict[str, str], tmp_path: Any
) -> None:
    service = IndicatorService(book)
    service.save_narrative(CODE, {"causes": "Do thiếu kinh phí."}, signer_name="Lê Văn Ký")
    with pytest.raises(KeyError, match="Không có văn bản"):
        service.document(CODE, 1)
    service.finalise(CODE)
    info, data = service.document(CODE, 1)
    assert info.file_name == f"bao-cao-12345-{CODE}-v1.pdf"
    assert info.size_bytes == len(data) and info.sha256 == hashlib.sha256(data).hexdigest()
    # The very document the officer prints for this version.
    printed = tmp_path / "in.pdf"
    service.write(CODE, printed, "pdf")
    assert printed.read_bytes() == data
    text = _text(data)
    numbers = service.compute(CODE)
    assert numbers.from_snapshot and numbers.result("CT14").numerator == 1
    for expected in ("6 tháng đầu năm 2026", "Do thiếu kinh phí.", "Lê Văn Ký", "CT14", "50 %"):
        assert expected in text, expected
    today = clock.to_local(clock.now()).strftime("%d/%m/%Y")
    assert f"Số liệu đã chốt ngày {today} (phiên bản 1)." in text
    # Aggregate numbers only: not one child's name, nor the household head's.
    for name in [*(f"Bé {key}" for key in small_book), "Hà Văn Chủ"]:
        assert name not in text, name
    with book.read() as session:
        row = session.scalars(select(ReportDocument)).one()
        assert row.sync_state == SyncState.TO_POST.value
        assert row.report_id == service.state(CODE).report_id


def test_a_reopened_version_keeps_its_document_and_a_new_one_gets_its_own(
    book: Any, small_book: dict[str, str]
) -> None:
    service = IndicatorService(book)
    service.finalise(CODE)
    first_info, first = service.document(CODE, 1)
    _register_e(book, small_book)
    # The book moved; the kept document did not (and finalising once makes one document).
    assert service.ensure_documents() == 0
    assert service.document(CODE, 1)[1] == first
    service.reopen(CODE, "Tư pháp báo thêm khai sinh")
    assert service.ensure_document(CODE) is None  # nothing finalised now
    later = clock.now() + timedelta(days=2)
    with time_machine.travel(later, tick=False):
        service.finalise(CODE)
    second_info, second = service.document(CODE, 2)
    assert service.document(CODE, 1) == (first_info, first)
    assert second_info.report_id != first_info.report_id and second != first
    assert second_info.file_name.endswith("-v2.pdf")
    # The new version's numbers: two registered births out of the same denominator.
    assert service.snapshot_version(CODE, 2)[0].code == "CT01"
    ct14 = next(r for r in service.snapshot_version(CODE, 2) if r.code == "CT14")
    assert ct14.numerator == 2
    assert "(phiên bản 2)" in _text(second) and "(phiên bản 1)" in _text(first)
    with book.read() as session:
        assert len(session.scalars(select(ReportDocument)).all()) == 2


def test_a_finalising_cut_before_its_document_is_completed_identically(
    book: Any, small_book: dict[str, str]
) -> None:
    service = IndicatorService(book)
    service.finalise(CODE)
    _info, made = service.document(CODE, 1)
    with book.transaction() as session:
        session.execute(delete(ReportDocument))
    assert service.ensure_documents() == 1
    assert service.document(CODE, 1)[1] == made
    assert service.ensure_documents() == 0


def test_the_document_row_travels_whole_and_a_damaged_one_is_refused(
    book: Any, small_book: dict[str, str]
) -> None:
    from desktop.core.sync_service.wire import record_item

    service = IndicatorService(book)
    service.finalise(CODE)
    with book.read() as session:
        row = session.scalars(select(ReportDocument)).one()
        item = record_item("report_documents", row, 0)
    assert item.data["sha256"] == service.document(CODE, 1)[0].sha256
    assert len(str(item.data["content_base64"])) > 4000  # more than any other text column
    raw = item.model_dump(mode="json")
    raw["data"]["sha256"] = "0" * 64
    with pytest.raises(ValueError, match="SHA-256 không khớp"):
        RecordItem.model_validate(raw)
    raw = item.model_dump(mode="json")
    raw["data"]["content_base64"] = raw["data"]["content_base64"][:-8]
    with pytest.raises(ValueError, match="tệp bị cắt"):
        RecordItem.model_validate(raw)
