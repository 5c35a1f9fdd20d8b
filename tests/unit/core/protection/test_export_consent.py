"""An export that carries children's case data leaves only on a recorded basis: each case's
own consent to an export, or a reason why none is needed, written on every case it carried."""

from __future__ import annotations

import json
from datetime import date, time
from pathlib import Path

import pytest
from sqlalchemy import select

from desktop.core.domain.roles import Role
from desktop.core.services.book import Book
from desktop.core.services.protection import (
    CaseChildForm,
    CaseForm,
    CaseSaved,
    CaseService,
    ConsentForm,
    ConsentService,
    ExportBasis,
    ListKind,
    ProtectionExportService,
    ValidationError,
)
from desktop.core.storage.models import ConsentRecord

from .conftest import Commune

REASON = "Theo yêu cầu bằng văn bản của cơ quan điều tra, viện kiểm sát, tòa án"


def _case(book: Book, person_id: str, day: int = 29) -> CaseSaved:
    return CaseService(book).submit(
        CaseForm(
            received_on=date(2026, 6, day), received_time=time(8, 0), channel_code="NT02",
            children=(CaseChildForm(person_id=person_id),), forms=("XH01.1",),
        )
    )  # fmt: skip


def _export_consent(book: Book, case_id: str, on: date = date(2026, 6, 30)) -> str:
    return ConsentService(book).record(
        ConsentForm(
            "export", on, case_id=case_id, representative_name="Lê Văn Hộ",
            representative_consented=True, child_consented=True, scope="Gửi Phòng Văn hóa - Xã hội",
        )
    )  # fmt: skip


def _export_records(book: Book) -> list[ConsentRecord]:
    with book.read() as session:
        query = select(ConsentRecord).where(ConsentRecord.purpose == "export")
        rows = list(session.scalars(query))
        session.expunge_all()
        return rows


def test_without_a_basis_the_export_is_refused_naming_the_cases_and_writes_nothing(
    book: Book, commune: Commune, tmp_path: Path
) -> None:
    first, second = _case(book, commune.binh, 28), _case(book, commune.an)
    _export_consent(book, first.id)
    service = ProtectionExportService(book)
    assert service.needs_basis(ListKind.CASES)
    assert service.consent_gaps(ListKind.CASES) == (second.case_no,)
    target = tmp_path / "vu-viec.xlsx"
    with pytest.raises(ValidationError) as refused:
        service.export_xlsx(ListKind.CASES, target)
    assert refused.value.problems[0].field == "consent"
    message = refused.value.message_vi
    assert second.case_no in message and first.case_no not in message
    assert "lý do không cần sự đồng ý" in message
    assert not target.exists()
    with pytest.raises(ValidationError):
        service.to_json(ListKind.CASES)
    # An empty reason is no reason.
    with pytest.raises(ValidationError):
        service.export_xlsx(ListKind.CASES, target, basis=ExportBasis("   "))
    assert not target.exists()
    # Lists without case data need no basis.
    assert not service.needs_basis(ListKind.INJURIES)
    assert service.consent_gaps(ListKind.SPECIAL) == ()
    service.export_xlsx(ListKind.SPECIAL, tmp_path / "hcdb.xlsx")


def test_every_case_with_its_own_consent_exports_and_records_nothing_more(
    book: Book, commune: Commune, tmp_path: Path
) -> None:
    case = _case(book, commune.binh)
    consent_id = _export_consent(book, case.id)
    service = ProtectionExportService(book)
    assert service.consent_gaps(ListKind.CASES) == ()
    path = service.export_xlsx(ListKind.CASES, tmp_path / "vu-viec.xlsx")
    assert path.read_bytes()[:2] == b"PK"
    document = json.loads(service.to_json(ListKind.CASES))
    assert [r["case_no"] for r in document["rows"]] == [case.case_no]
    assert [r.id for r in _export_records(book)] == [consent_id]
    # Withdrawn, it no longer covers an export.
    ConsentService(book).withdraw(consent_id, date(2026, 6, 30), "Mẹ của trẻ rút lại")
    assert service.consent_gaps(ListKind.CASES) == (case.case_no,)
    with pytest.raises(ValidationError):
        service.export_xlsx(ListKind.CASES, tmp_path / "lan-hai.xlsx")


def test_a_consent_to_a_referral_does_not_cover_an_export(book: Book, commune: Commune) -> None:
    case = _case(book, commune.binh)
    ConsentService(book).record(
        ConsentForm(
            "referral", date(2026, 6, 30), case_id=case.id, representative_name="Lê Văn Hộ",
            representative_consented=True, child_consented=True,
        )
    )  # fmt: skip
    assert ProtectionExportService(book).consent_gaps(ListKind.CASES) == (case.case_no,)


def test_a_reason_is_written_on_every_case_and_covers_that_export_only(
    book: Book, commune: Commune, tmp_path: Path
) -> None:
    first, second = _case(book, commune.binh, 28), _case(book, commune.an)
    service = ProtectionExportService(book)
    basis = ExportBasis(REASON, "Công an huyện")
    service.export_xlsx(ListKind.CASES, tmp_path / "gui-cong-an.xlsx", basis=basis)
    records = _export_records(book)
    assert sorted(r.case_id for r in records) == sorted([first.id, second.id])  # type: ignore[type-var]
    for record in records:
        assert record.not_needed_reason == REASON
        assert record.given_on == date(2026, 6, 30)
        assert "gui-cong-an.xlsx" in record.scope and "nơi nhận: Công an huyện" in record.scope
        assert not record.child_consented and not record.representative_consented
    # Each case shows it among its consents.
    shown = ConsentService(book).of_case(first.id)
    assert [(c.purpose_label, c.not_needed_reason) for c in shown] == [
        ("Xuất danh sách, dữ liệu có tên trẻ", REASON)
    ]
    # The next export must give its own reason again.
    assert set(service.consent_gaps(ListKind.CASES)) == {first.case_no, second.case_no}
    service.to_json(ListKind.CASES, ExportBasis(REASON))
    assert len(_export_records(book)) == 4


def test_a_reason_too_long_is_refused_at_its_field(
    book: Book, commune: Commune, tmp_path: Path
) -> None:
    _case(book, commune.binh)
    with pytest.raises(ValidationError) as refused:
        ProtectionExportService(book).export_xlsx(
            ListKind.CASES, tmp_path / "x.xlsx", basis=ExportBasis("lý do " * 100, "nơi " * 60)
        )
    assert {p.field for p in refused.value.problems} == {"not_needed_reason", "recipient"}
    assert not (tmp_path / "x.xlsx").exists() and _export_records(book) == []


def test_a_role_that_does_not_see_case_data_needs_no_basis(
    book: Book, commune: Commune, login_as, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    case = _case(book, commune.binh)
    viewer = login_as("ctv.dong", Role.COLLABORATOR, (commune.east,))
    service = ProtectionExportService(viewer)
    assert not service.needs_basis(ListKind.CASES)
    assert service.consent_gaps(ListKind.CASES) == ()
    document = json.loads(service.to_json(ListKind.CASES))
    assert [r["case_no"] for r in document["rows"]] == [case.case_no]
    assert document["rows"][0]["children"] == "" and document["rows"][0]["forms"] == ""
    assert _export_records(book) == []
