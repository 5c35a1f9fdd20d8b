"""The child-friendly commune self-assessment: typed points with evidence, rules, verdict."""

from __future__ import annotations

from typing import Any

import pytest

from desktop.core.domain.errors import ValidationError
from desktop.core.services.cfc import (
    CfcScoreEntry,
    CfcService,
    check_entries,
    criteria,
    evaluate,
    format_points,
    parse_points,
    thresholds,
)


def test_thirteen_criteria_and_thresholds() -> None:
    assert [c.no for c in criteria()] == list(range(1, 14))
    assert {k: v[1] for k, v in thresholds().items()} == {
        "PHUONG_TP_TW": 900,
        "MIENNUI_HAIDAO_DBKK": 800,
        "CON_LAI": 850,
    }


def test_verdict_rules(book: Any, small_book: dict[str, str]) -> None:
    service = CfcService(book)
    empty = service.assessment(2026)
    assert not empty.recognised and "chưa chấm tiêu chí 1" in empty.verdict_vi
    line2 = empty.lines[1]
    assert line2.book_status == "computed" and line2.book_rate is not None
    # Criterion 6 comes from CT08b: G is the only HCĐB child on t, with no support in P.
    assert (empty.lines[5].book_status, empty.lines[5].book_rate) == ("computed", 0.0)
    with pytest.raises(ValidationError, match="căn cứ"):
        service.save(2026, "CON_LAI", [CfcScoreEntry(1, 70, "")])
    with pytest.raises(ValidationError, match="tối đa 125"):
        service.save(2026, "CON_LAI", [CfcScoreEntry(6, 130, "Biên bản")])
    points = {6: 90, 7: 50}  # criterion 7 has a known maximum of 50
    scores = [CfcScoreEntry(n, points.get(n, 70), f"Biên bản số {n}") for n in range(1, 14)]
    result = service.save(2026, "CON_LAI", scores)
    assert result.total == 910 and result.recognised  # 910 ≥ 850
    result = service.save(2026, "PHUONG_TP_TW", [CfcScoreEntry(13, 60, "Phiếu khảo sát")])
    assert result.total == 900 and result.recognised  # exactly the threshold
    result = service.save(2026, "PHUONG_TP_TW", [CfcScoreEntry(13, 0, "Phiếu khảo sát")])
    assert not result.recognised
    assert "tiêu chí 13 bị 0 điểm" in result.verdict_vi


def test_points_typed_as_text() -> None:
    assert parse_points("70", 1) == 70 and parse_points(" 72,5 ", 1) == 72.5
    assert parse_points("72.5", 1) == 72.5 and parse_points("", 1) is None
    for wrong in ("bảy mươi", "nan", "inf", "7 0,5,1"):
        with pytest.raises(ValidationError, match="Tiêu chí 3: điểm phải là một số"):
            parse_points(wrong, 3)
    assert [format_points(p) for p in (70.0, 72.5, None, 0.0)] == ["70", "72,5", "", "0"]


def test_check_entries_names_the_row_and_the_field() -> None:
    problems = check_entries(
        [
            CfcScoreEntry(1, 70, "Biên bản"),
            CfcScoreEntry(6, 130, ""),
            CfcScoreEntry(2, None, ""),  # not scored: no evidence needed
            CfcScoreEntry(3, -1, "Biên bản"),
            CfcScoreEntry(14, 10, "Biên bản"),
        ]
    )
    assert [(p.row, p.field) for p in problems] == [
        (2, "points"), (2, "evidence"), (4, "points"), (5, "no"),
    ]  # fmt: skip
    assert "tối đa 125 điểm, đã nhập 130" in problems[0].message


def test_evaluate_typed_points_as_save_would(book: Any, small_book: dict[str, str]) -> None:
    service = CfcService(book)
    base = service.assessment(2026)
    scores = [CfcScoreEntry(n, 50 if n == 7 else 70, f"Biên bản số {n}") for n in range(1, 14)]
    typed = evaluate(base, "MIENNUI_HAIDAO_DBKK", scores)
    assert typed.total == 890 and typed.threshold == 800 and typed.recognised
    assert [line.book for line in typed.lines] == [line.book for line in base.lines]
    assert service.assessment(2026) == base  # nothing saved
    saved = service.save(2026, "MIENNUI_HAIDAO_DBKK", scores)
    assert saved == typed
    # Only the entries given change; the others keep the saved points.
    zero = evaluate(saved, "PHUONG_TP_TW", [CfcScoreEntry(13, 0, "Phiếu khảo sát")])
    assert zero.total == 820 and zero.zero == (13,) and zero.unscored == ()
    assert zero.verdict_vi == (
        "Chưa đạt: tiêu chí 13 bị 0 điểm (không tiêu chí nào được 0 điểm); "
        "tổng 820 điểm dưới mức 900 điểm của loại xã này."
    )
    blank = evaluate(saved, "CON_LAI", [CfcScoreEntry(2, None, "")])
    assert blank.unscored == (2,) and "chưa chấm tiêu chí 2" in blank.verdict_vi


def test_book_figures_carry_unit_and_counts(book: Any, small_book: dict[str, str]) -> None:
    lines = {line.criterion.no: line for line in CfcService(book).assessment(2026).lines}
    assert set(n for n, line in lines.items() if line.book is not None) == {2, 3, 4, 5, 6, 10}
    four = lines[4].book
    assert four is not None and (four.unit, four.unit_label) == ("percent", "%")
    assert four.denominator and four.numerator is not None
    assert four.rate == 100 * four.numerator / four.denominator
    injuries = lines[5].book
    assert injuries is not None and injuries.unit == "per_10000"
    assert lines[1].book is None and lines[1].book_source == "" and lines[1].book_rate is None


def test_ct01_follows_the_years_verdict(book: Any, small_book: dict[str, str]) -> None:
    from desktop.core.services.indicators import FigureEntry, IndicatorService

    indicators = IndicatorService(book)
    assert indicators.compute("2026").result("CT01").status == "missing"
    # A figure typed by hand counts while the assessment is not complete …
    indicators.save_figures("2026", "OFFICER", [FigureEntry("CT01", value=100)])
    assert indicators.compute("2026").result("CT01").value == 100
    service = CfcService(book)
    service.save(2026, "CON_LAI", [CfcScoreEntry(1, 70, "Biên bản số 1")])  # 12 left unscored
    assert indicators.compute("2026").result("CT01").typed.note == ""  # type: ignore[union-attr]
    # … the complete assessment decides: 12 × 60 + 50 = 770 < 850, not recognised.
    scores = [CfcScoreEntry(n, 50 if n == 7 else 60, f"Biên bản số {n}") for n in range(1, 14)]
    service.save(2026, "CON_LAI", scores)
    ct01 = indicators.compute("2026").result("CT01")
    assert (ct01.status, ct01.value) == ("typed", 0.0)
    assert ct01.typed is not None and ct01.typed.entered_by == "admin"
    assert ct01.typed.note == (
        "Theo kết quả tự đánh giá xã phù hợp với trẻ em năm 2026: chưa đạt (770/850 điểm)."
    )
    scores = [CfcScoreEntry(n, 50 if n == 7 else 70, f"Biên bản {n}") for n in range(1, 14)]
    service.save(2026, "CON_LAI", scores)
    assert indicators.compute("2026").result("CT01").value == 100.0  # 890 ≥ 850
    # Another year's report does not read 2026's assessment.
    assert indicators.compute("2025").result("CT01").status == "missing"
