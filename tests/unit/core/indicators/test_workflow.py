"""Typed figures with their checks, targets, the calendar, finalising and reopening."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from desktop.core.domain.errors import ValidationError
from desktop.core.domain.permissions import PermissionDenied
from desktop.core.services.indicators import FigureEntry, IndicatorService, parse_period


def test_period_codes() -> None:
    assert parse_period("2026-H1") == (2026, "H1")
    assert parse_period("2026-9M") == (2026, "9M")
    assert parse_period("2026") == (2026, "Y")
    with pytest.raises(ValidationError, match="2026-H1"):
        parse_period("H1-2026")


def test_typed_figures_are_checked_and_stamped(book: Any, small_book: dict[str, str]) -> None:
    service = IndicatorService(book)
    with pytest.raises(ValidationError) as err:
        service.save_figures(
            "2026-H1",
            "HEALTH",
            [FigureEntry("CT05a", numerator=12, denominator=10), FigureEntry("CT04a", value=140)],
        )
    messages = [p.message for p in err.value.problems]
    assert any("tử số 12 lớn hơn mẫu số 10" in m for m in messages)
    assert any("ngoài khoảng hợp lý" in m for m in messages)
    assert {p.row for p in err.value.problems} == {1, 2}
    # Mixed: the denominator is the book's (5 children aged 7+); 6 consulted is impossible.
    with pytest.raises(ValidationError, match="lớn hơn mẫu số 5"):
        service.save_figures("2026-H1", "OFFICER", [FigureEntry("CT22", numerator=6)])
    with pytest.raises(ValidationError, match="không do đơn vị này"):
        service.save_figures("2026-H1", "SCHOOLS", [FigureEntry("CT05a", 9, 10)])
    assert service.save_figures("2026-H1", "OFFICER", [FigureEntry("CT22", numerator=4)]) == []
    ct22 = service.compute("2026-H1").result("CT22")
    assert (ct22.status, ct22.numerator, ct22.denominator, ct22.value) == ("typed", 4, 5, 80.0)
    assert ct22.typed is not None and ct22.typed.entered_by == "admin"
    form = service.unit_form("2026-H1", "OFFICER")
    assert {r.code for r in form} >= {"CT22", "CT24", "CT02"}
    assert next(r for r in form if r.code == "CT22").computed_denominator == 5


def test_large_change_from_last_period_warns(book: Any, small_book: dict[str, str]) -> None:
    service = IndicatorService(book)
    service.save_figures("2025-H1", "HEALTH", [FigureEntry("CT05a", 90, 100)])
    warnings = service.save_figures("2026-H1", "HEALTH", [FigureEntry("CT05a", 30, 100)])
    assert len(warnings) == 1 and "kỳ trước (90)" in warnings[0].message
    assert service.compute("2026-H1").previous["CT05a"] == 90


def test_targets_editable_by_the_administrator(book: Any, small_book: dict[str, str]) -> None:
    service = IndicatorService(book)
    assert service.targets()["CT14"][0].text
    service.set_target("CT14", "provincial", 2025, "99%")
    result = service.compute("2026-H1").result("CT14")
    target = result.target("provincial", 2026)
    assert target is None  # 2025 only; 2026 reads the next year that has one
    assert result.target("provincial", 2025) is not None


def test_calendar_and_due_status(book: Any, small_book: dict[str, str]) -> None:
    service = IndicatorService(book)
    items = {i.period_code: i for i in service.due_items(date(2026, 5, 1))}
    assert items["2026-H1"].status == "due_soon" and items["2026-H1"].days_left == 9
    assert items["2026-9M"].status == "upcoming"
    late = {i.period_code: i for i in service.due_items(date(2026, 5, 20))}
    assert late["2026-H1"].status == "late"
    service.set_calendar(
        "2026-H1",
        start=date(2025, 12, 15),
        end=date(2026, 6, 14),
        reference=date(2026, 6, 14),
        due=date(2026, 6, 20),
    )
    assert service.period("2026-H1").reference == date(2026, 6, 14)
    assert {i.period_code: i for i in service.due_items(date(2026, 5, 20))}[
        "2026-H1"
    ].status == "upcoming"


def test_finalise_freezes_flags_changes_and_reopens(book: Any, small_book: dict[str, str]) -> None:
    from desktop.core.services.children import ChildService

    service = IndicatorService(book)
    service.review("2026-H1")
    state = service.finalise("2026-H1")
    assert state.state == "finalised" and state.changed_children == 0
    before = service.compute("2026-H1")
    assert before.from_snapshot and before.result("TK0101").value == 8
    sex = {c.key: c.numerator for c in before.result("TK0101").cells if c.dimension == "sex"}
    assert sex == {"1": 3, "2": 4, "3": 1}
    with pytest.raises(ValidationError, match="đã chốt"):
        service.save_figures("2026-H1", "OFFICER", [FigureEntry("CT22", numerator=1)])
    # A later edit: E gets registered. The finalised report does not move, but says so.
    from dataclasses import replace

    import time_machine

    from sync import clock

    children = ChildService(book)
    form = children.get_child(small_book["E"])
    with time_machine.travel(datetime(2026, 7, 1, 9, tzinfo=clock.VIETNAM), tick=False):
        children.save_child(
            replace(form, birth_registered=True, birth_registration_date=date(2024, 2, 1)),
            children.household_of(small_book["E"]),
            accept_warnings=True,
        )
    after = service.compute("2026-H1")
    assert after.result("CT14").numerator == 1
    assert after.state.change_flag_vi == "Sổ đã thay đổi sau khi chốt: 1 trẻ."
    with pytest.raises(ValidationError, match="lý do"):
        service.reopen("2026-H1", "")
    reopened = service.reopen("2026-H1", "Tư pháp báo thêm khai sinh")
    assert reopened.state == "draft" and reopened.version == 2
    assert reopened.earlier_versions == (1,)
    assert service.compute("2026-H1").result("CT14").numerator == 2
    assert service.snapshot_version("2026-H1", 1)[0].code == "CT01"


def test_only_the_administrator_reopens(book: Any, small_book: dict[str, str]) -> None:
    from dataclasses import replace

    from desktop.core.domain.roles import Role

    service = IndicatorService(book)
    service.finalise("2026-H1")
    book.user = replace(book.user, role=Role.OFFICER)
    with pytest.raises(PermissionDenied):
        IndicatorService(book).reopen("2026-H1", "sửa số liệu")


def test_pdf_and_xlsx_regenerate_identically_from_the_snapshot(
    book: Any, small_book: dict[str, str], tmp_path: Any
) -> None:
    from openpyxl import load_workbook
    from pypdf import PdfReader

    service = IndicatorService(book)
    service.save_narrative("2026-H1", {"causes": "Do thiếu kinh phí."}, signer_name="Lê Văn Ký")
    service.finalise("2026-H1")
    first, second = tmp_path / "a.pdf", tmp_path / "b.pdf"
    service.write("2026-H1", first, "pdf")
    service.write("2026-H1", second, "pdf")
    assert first.read_bytes() == second.read_bytes()
    text = "".join(page.extract_text() for page in PdfReader(first).pages)
    for expected in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "6 tháng đầu năm 2026",
        "Do thiếu kinh phí.",
        "Lê Văn Ký",
        "PHỤ LỤC",
        "CT14",
        "50 %",
    ):
        assert expected in text, expected
    x1, x2 = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    service.write("2026-H1", x1, "xlsx")
    service.write("2026-H1", x2, "xlsx")

    def values(path: Any) -> list[list[object]]:
        wb = load_workbook(path)
        return [[c.value for row in ws.iter_rows() for c in row] for ws in wb.worksheets]

    assert values(x1) == values(x2)
    wb = load_workbook(x1)
    assert wb.sheetnames == ["Bảng 1", "Bảng 2", "Bảng 3"]
    rows = {r[0].value: r for r in wb["Bảng 1"].iter_rows(min_row=6)}
    assert rows["CT14"][4].value == 50.0 and rows["CT14"][5].value == 1


def test_narrative_texts_are_cleaned_and_too_long_ones_refused_by_field(
    book: Any, small_book: dict[str, str]
) -> None:
    import unicodedata

    from desktop.core.services.indicators import NARRATIVE_MAX_CHARS, starting_text

    service = IndicatorService(book)
    start = starting_text(service.compute("2026-H1"))
    service.save_narrative(
        "2026-H1",
        {"causes": unicodedata.normalize("NFD", "\n- Do thiếu kinh phí.\n\n"), "tasks": ""},
        doc_number="  12/BC-UBND ",
        signer_name="Lê  Văn   Ký",
        signer_lines="KT. CHỦ TỊCH| |  PHÓ CHỦ TỊCH",
    )
    texts = service.narrative("2026-H1")
    assert texts["causes"] == "- Do thiếu kinh phí."  # NFC, blank lines off
    assert texts["tasks"] == start["tasks"]  # saved empty: the starting text prints
    assert service.document_fields("2026-H1") == {
        "doc_number": "12/BC-UBND",
        "signer_name": "Lê Văn Ký",
        "signer_lines": "KT. CHỦ TỊCH|PHÓ CHỦ TỊCH",
    }
    # Too long to be synced upstream, or for its column: refused, field by field, nothing kept.
    with pytest.raises(ValidationError) as err:
        service.save_narrative(
            "2026-H1",
            {"results": "ă" * (NARRATIVE_MAX_CHARS + 1), "causes": "Khác."},
            doc_number="1" * 41,
            signer_name="Lê Văn Mới",
        )
    problems = {p.field: p.message for p in err.value.problems}
    assert set(problems) == {"results", "doc_number"}
    assert problems["results"].startswith(
        "Mục «I. KẾT QUẢ THỰC HIỆN» dài 4.001 ký tự, tối đa 4.000"
    )
    assert problems["doc_number"] == "Số, ký hiệu văn bản dài 41 ký tự, tối đa 40 ký tự."
    assert service.narrative("2026-H1")["causes"] == "- Do thiếu kinh phí."
    assert service.document_fields("2026-H1")["signer_name"] == "Lê Văn Ký"
    with pytest.raises(ValidationError, match="Không có mục «muc_la»"):
        service.save_narrative("2026-H1", {"muc_la": "x"})


def test_collection_sheet_round_trip_with_row_errors(
    book: Any, small_book: dict[str, str], tmp_path: Any
) -> None:
    from openpyxl import load_workbook

    service = IndicatorService(book)
    service.save_figures("2025-H1", "HEALTH", [FigureEntry("CT05a", 95, 100)])
    sheet = tmp_path / "tram-y-te.xlsx"
    assert service.write_collection_sheet("2026-H1", "HEALTH", sheet) == 9  # CT03–CT06
    wb = load_workbook(sheet)
    ws = wb.active
    assert ws is not None
    assert ws["A2"].value == "PHIẾU THU THẬP SỐ LIỆU" and ws["B4"].value == "2026-H1"
    rows = {ws.cell(row=r, column=1).value: r for r in range(8, ws.max_row + 1)}
    assert ws.cell(row=rows["CT05a"], column=4).value == 95  # last period's value
    ws.cell(row=rows["CT05a"], column=6, value="9x")
    ws.cell(row=rows["CT04a"], column=6, value=12)
    ws.cell(row=rows["CT04a"], column=7, value=10)
    wb.save(sheet)
    result = service.import_collection_sheet("2026-H1", sheet)
    assert result.saved == 0
    messages = [p.message for p in result.problems]
    assert f"Dòng {rows['CT05a']}, cột «Tử số»: «9x» không phải là số." in messages
    ws.cell(row=rows["CT05a"], column=6, value="97,5")
    ws.cell(row=rows["CT05a"], column=7, value=100)
    wb.save(sheet)
    result = service.import_collection_sheet("2026-H1", sheet)
    assert result.saved == 0
    assert result.problems[0].message.startswith(f"Dòng {rows['CT04a']}: ")
    assert "tử số 12 lớn hơn mẫu số 10" in result.problems[0].message
    ws.cell(row=rows["CT04a"], column=6, value=4)
    wb.save(sheet)
    result = service.import_collection_sheet("2026-H1", sheet)
    assert result.saved == 2 and not result.problems
    ct05a = service.compute("2026-H1").result("CT05a")
    assert ct05a.value == 97.5 and ct05a.typed is not None
    assert ct05a.typed.entered_by == "admin"


def test_a_birth_after_the_reference_date_is_counted_by_sex(
    book: Any, small_book: dict[str, str], hamlet_id: str
) -> None:
    from desktop.core.services.children import ChildForm
    from desktop.core.services.households import HouseholdForm, HouseholdService

    HouseholdService(book).save_household(
        HouseholdForm(
            hamlet_id=hamlet_id,
            number="9",
            head_name="Vi Văn Sinh",
            children=[ChildForm("Bé Mới", date(2026, 5, 20), 2)],
        ),
        today=date(2026, 6, 1),
        accept_warnings=True,
    )
    # Period 01/01–30/06 with the reference date 31/05: the baby is born in it and in C(t).
    service = IndicatorService(book)
    service.set_calendar(
        "2026-H1",
        start=date(2026, 1, 1),
        end=date(2026, 6, 30),
        reference=date(2026, 5, 31),
        due=date(2026, 7, 10),
    )
    births = service.compute("2026-H1").result("TK0103")
    assert births.value == 1
    assert {c.key: c.numerator for c in births.cells if c.dimension == "sex"} == {"2": 1}
    ratio = service.compute("2026-H1").result("TK0102")
    assert ratio.value == 0.0  # no boy born, one girl


@pytest.mark.parametrize(
    ("role", "review", "finalise", "reopen"),
    [
        ("admin", True, True, True),
        ("officer", True, True, False),
        ("collaborator", True, False, False),
        ("viewer", False, False, False),
    ],
)
def test_report_steps_follow_one_rule(
    book: Any, role: str, review: bool, finalise: bool, reopen: bool
) -> None:
    """The screen's buttons and the service ask the same rule (services/access.py)."""
    from dataclasses import replace

    from desktop.core.domain.roles import Role
    from desktop.core.services.access import report_step_refusal

    user = replace(book.user, role=Role(role))
    allowed = {
        step: report_step_refusal(user, step) == "" for step in ("review", "finalise", "reopen")
    }
    assert allowed == {"review": review, "finalise": finalise, "reopen": reopen}
    if not finalise:
        book.user = user
        with pytest.raises(PermissionDenied, match=report_step_refusal(user, "finalise")):
            IndicatorService(book).finalise("2026-H1")
