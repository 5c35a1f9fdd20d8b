"""Cases: drafts kept, intake checks, the timeline, role filtering, the informant kept local."""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path

import pytest
from sqlalchemy import select

from desktop.core.domain.deadlines import ClockKind, ClockState
from desktop.core.domain.roles import Role
from desktop.core.services.book import Book
from desktop.core.services.protection import (
    CaseChildForm,
    CaseForm,
    CaseNotReady,
    CaseService,
    CaseState,
    CaseStepForm,
    ConsentForm,
    ConsentService,
    ExportBasis,
    InformantForm,
    ListKind,
    PermissionDenied,
    ProtectionExportService,
    StepKind,
    ValidationError,
)
from desktop.core.storage.models import AuditEntry, CommuneSettings, SyncOutboxBatch
from desktop.core.sync_service import SyncService
from sync import clock
from sync.protocol import SYNC_TABLES

from .conftest import Commune

VN = clock.VIETNAM
INFORMANT = InformantForm("Trần Thị Người Báo", "0912345678", "Xóm Giữa", "hàng xóm")


def _form(commune: Commune, **more: object) -> CaseForm:
    values: dict[str, object] = {
        "received_on": date(2026, 6, 29),
        "received_time": time(17, 30),
        "channel_code": "NT03",
        "children": (CaseChildForm(person_id=commune.binh, hiv_status="positive"),),
        "forms": ("XH03.4",),
        "setting_code": "MT01",
        "perpetrator_relation": "Cha dượng",
        "child_in_danger": True,
        "current_condition": "Hoảng sợ, có vết bầm",
        "informant": INFORMANT,
    }
    values.update(more)
    return CaseForm(**values)  # type: ignore[arg-type]


def test_a_half_filled_case_is_kept_as_a_draft_and_its_clocks_run(book: Book) -> None:
    cases = CaseService(book)
    draft = cases.save_draft(CaseForm(received_on=date(2026, 6, 30), received_time=None))
    assert draft.state == CaseState.DRAFT and draft.case_no == "VV2026-001"
    assert any("Giờ tiếp nhận" in p for p in draft.problems)
    assert any("chưa có trẻ" in p for p in draft.problems)
    detail = cases.get(draft.id)
    # With only the date, the clocks start at 00:00 of that day (the earliest it can have been).
    assert clock.to_local(detail.received_at) == datetime(2026, 6, 30, 0, 0, tzinfo=VN)  # type: ignore[arg-type]
    assert [c.kind for c in detail.clocks] == [ClockKind.WRITTEN_REPORT, ClockKind.PLAN]
    assert [r.case_id for r in cases.due_clocks()] == [draft.id, draft.id]


def test_submit_names_each_missing_field_and_keeps_the_draft(book: Book, commune: Commune) -> None:
    cases = CaseService(book)
    with pytest.raises(CaseNotReady) as refused:
        cases.submit(
            CaseForm(
                received_on=date(2026, 7, 2),  # in the future (today is 30/06/2026)
                received_time=time(8, 0),
                channel_code="NT01",
                children=(),
            )
        )
    fields = {p.field for p in refused.value.problems}
    assert {"received_on", "hotline_ref", "children", "forms"} <= fields
    assert "Ngày tiếp nhận 02/07/2026 ở sau ngày hôm nay" in refused.value.message_vi
    kept = cases.get(refused.value.saved.id)
    assert kept.state == CaseState.DRAFT and kept.form.channel_code == "NT01"
    # A child not in the book needs a birth date or an estimated age.
    with pytest.raises(CaseNotReady) as no_age:
        cases.submit(_form(commune, children=(CaseChildForm(full_name="Bé gái"),)))
    assert [p.row for p in no_age.value.problems if p.field == "children"] == [1]
    opened = cases.submit(_form(commune, children=(CaseChildForm(estimated_age=6, sex=2),)))
    assert opened.state == CaseState.OPEN


def test_timeline_clocks_referral_consent_and_closure(book: Book, commune: Commune) -> None:
    cases = CaseService(book)
    case = cases.submit(_form(commune))
    cases.add_step(
        case.id, CaseStepForm(StepKind.EMERGENCY, datetime(2026, 6, 29, 21, 0, tzinfo=VN))
    )
    rows = {r.clock.kind: r for r in cases.due_clocks()}
    # The written report (due 30/06 17:30) is open; the emergency measure is done in time.
    assert set(rows) == {ClockKind.WRITTEN_REPORT, ClockKind.PLAN}
    assert rows[ClockKind.WRITTEN_REPORT].clock.state == ClockState.DUE
    with pytest.raises(ValidationError) as no_consent:
        cases.add_step(
            case.id,
            CaseStepForm(
                StepKind.REFERRAL, datetime(2026, 6, 30, 8, 0, tzinfo=VN), referral_to="police"
            ),
        )
    assert no_consent.value.problems[0].field == "consent_id"
    with pytest.raises(ValidationError) as child_too:
        ConsentService(book).record(
            ConsentForm(
                "referral", date(2026, 6, 30), case_id=case.id, representative_name="Lê Văn Hộ",
                representative_consented=True,
            )
        )  # fmt: skip
    assert child_too.value.problems[0].field == "child_consented"  # Bình is 13
    consent = ConsentService(book).record(
        ConsentForm(
            "referral", date(2026, 6, 30), case_id=case.id, representative_name="Lê Văn Hộ",
            representative_consented=True, child_consented=True,
        )
    )  # fmt: skip
    cases.add_step(
        case.id,
        CaseStepForm(
            StepKind.REFERRAL,
            datetime(2026, 6, 30, 8, 0, tzinfo=VN),
            referral_to="police",
            consent_id=consent,
        ),
    )
    with pytest.raises(ValidationError) as before_intake:
        cases.close(case.id, datetime(2026, 6, 28, 9, 0, tzinfo=VN), "KQ_SAFE")
    assert before_intake.value.problems[0].field == "at"
    assert "trước khi tiếp nhận" in before_intake.value.message_vi
    cases.close(case.id, datetime(2026, 6, 30, 8, 30, tzinfo=VN), "KQ_REFERRED")
    closed = cases.get(case.id)
    assert closed.state == CaseState.CLOSED
    assert [s.kind for s in closed.steps] == [
        StepKind.EMERGENCY,
        StepKind.REFERRAL,
        StepKind.CLOSURE,
    ]
    assert cases.due_clocks() == ()


def test_sensitive_fields_are_left_out_for_collaborators(
    book: Book, commune: Commune, login_as, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    case = CaseService(book).submit(_form(commune))
    ctv = login_as("ctv.dong", Role.COLLABORATOR, (commune.east,))
    rows = CaseService(ctv).list()
    assert [r.case_no for r in rows] == [case.case_no]
    assert rows[0].hidden and rows[0].children_text == "" and rows[0].forms_text == ""
    detail = CaseService(ctv).get(case.id)
    assert detail.hidden and detail.informant is None
    assert detail.form.forms == () and detail.form.perpetrator_relation == ""
    assert detail.children[0].hiv_status == "" and detail.children[0].full_name == ""
    document = ProtectionExportService(ctv).to_json(ListKind.CASES)
    assert "Lê Thị Bình" not in document and "Dâm ô" not in document
    assert case.case_no in document
    summary = CaseService(ctv).print_summary(case.id, tmp_path / "tom-tat.pdf")
    assert summary.read_bytes().startswith(b"%PDF")
    with pytest.raises(PermissionDenied):
        CaseService(ctv).print_intake(case.id, tmp_path / "mau01.pdf")
    with pytest.raises(PermissionDenied):
        CaseService(ctv).save_draft(_form(commune))
    # A collaborator of another hamlet does not see the case at all.
    west = login_as("ctv.tay", Role.COLLABORATOR, (commune.west,))
    assert CaseService(west).list() == ()
    # The officer sees the details.
    full = ProtectionExportService(book).to_json(ListKind.CASES, ExportBasis("Báo cáo cấp trên"))
    assert "Lê Thị Bình" in full and "Dâm ô" in full


def test_views_of_a_case_are_audited(book: Book, commune: Commune) -> None:
    cases = CaseService(book)
    case = cases.submit(_form(commune))
    cases.get(case.id)
    with book.read() as session:
        views = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "view", AuditEntry.record_id == case.id)
        ).all()
    assert views and "informant" in views[-1].after


def _informant_bytes() -> list[bytes]:
    return [INFORMANT.full_name.encode(), INFORMANT.phone.encode(), b"Ng\\u01b0\\u1eddi B\\u00e1o"]


def test_the_informant_never_leaves_this_pc(book: Book, commune: Commune, tmp_path: Path) -> None:
    case = CaseService(book).submit(_form(commune))
    # On the intake form only.
    intake = CaseService(book).print_intake(case.id, tmp_path / "mau01.pdf")
    assert CaseService(book).get(case.id).informant == INFORMANT
    summary = CaseService(book).print_summary(case.id, tmp_path / "tom-tat.pdf")
    assert intake.stat().st_size > 0 and summary.stat().st_size > 0
    # Not in any export.
    basis = ExportBasis("Báo cáo cơ quan nhà nước có thẩm quyền theo quy định của pháp luật")
    for kind in ListKind:
        document = ProtectionExportService(book).to_json(kind, basis).encode()
        for secret in _informant_bytes():
            assert secret not in document, kind
        path = ProtectionExportService(book).export_xlsx(
            kind, tmp_path / f"{kind}.xlsx", basis=basis
        )
        import zipfile

        with zipfile.ZipFile(path) as workbook:
            content = b"".join(workbook.read(name) for name in workbook.namelist())
        for secret in _informant_bytes():
            assert secret not in content, kind
    # Not in the sync: the table is not declared, and the real push bodies do not carry it.
    assert "case_informants" not in SYNC_TABLES
    with book.transaction() as session:
        settings = session.scalars(select(CommuneSettings)).one()
        settings.device_id = "0f0e0d0c-0b0a-4908-8706-050403020100"
        settings.device_token = "token-1"
    batches = SyncService(book).take_all_batches()
    tables = {item.table for request in batches for item in request.items}
    assert {"protection_cases", "case_children"} <= tables
    with book.read() as session:
        bodies = b"".join(b.body.encode() for b in session.scalars(select(SyncOutboxBatch)))
    assert case.case_no.encode() in bodies
    for secret in _informant_bytes():
        assert secret not in bodies
    # Nor in the audit trail by value.
    with book.read() as session:
        trail = "".join(e.after + e.before for e in session.scalars(select(AuditEntry)))
    assert INFORMANT.full_name not in trail and INFORMANT.phone not in trail
