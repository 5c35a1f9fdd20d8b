"""The child-friendly commune self-assessment: typed points with evidence, rules, verdict."""

from __future__ import annotations

from typing import Any

import pytest

from desktop.core.domain.errors import ValidationError
from desktop.core.services.cfc import CfcScoreEntry, CfcService, criteria, thresholds


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
