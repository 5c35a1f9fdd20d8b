"""Ethnic groups typed as free text: spellings, other names, and closest suggestions."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop.core.services import codes


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Kinh", "01"), ("kinh", "01"), ("Việt", "01"), ("Kinh (Việt)", "01"),
        ("Khmer", "05"), ("Khơ-me", "05"), ("Khơ me", "05"), ("KHO ME", "05"),
        ("H'Mông", "08"), ("Hmông", "08"), ("Mông", "08"), ("Mèo", "08"), ("H’mông", "08"),
        ("Jrai", "10"), ("Gia-rai", "10"), ("Gia Rai", "10"),
        ("Ê Đê", "12"), ("Ê-đê", "12"), ("Ede", "12"),
        ("  Tày  ", "02"), ("Mường", "06"), ("Hoa", "04"), ("Hán", "04"),
        ("Người nước ngoài", "55"),
    ],
)  # fmt: skip
def test_known_spellings_match(text: str, code: str) -> None:
    found = codes.match_ethnicity(text)
    assert found is not None and found.code == code


@pytest.mark.parametrize("text", ["", "   ", "xyz", "Hmongg", "12", None])
def test_unknown_text_does_not_match(text: str | None) -> None:
    assert codes.match_ethnicity(text) is None


def test_an_unknown_spelling_gets_the_closest_groups() -> None:
    assert codes.closest_ethnicities("Hmongg", 3)[0].code == "08"
    assert codes.closest_ethnicities("Muongg", 3)[0].code == "06"
    assert codes.closest_ethnicities("Khmerr", 1)[0].code == "05"
    assert len(codes.closest_ethnicities("Ta", 2)) <= 2
    assert codes.closest_ethnicities("", 3) == []


@given(st.text(max_size=30))
def test_any_text_is_safe(text: str) -> None:
    found = codes.match_ethnicity(text)
    assert found is None or found.code in {c.code for c in codes.ethnic_groups()}
    assert len(codes.closest_ethnicities(text, 3)) <= 3


def test_the_new_code_lists_load() -> None:
    assert [c.code for c in codes.residence_statuses()] == ["CU01", "CU02", "CU03", "CU04"]
    assert codes.schooling_levels()[7].code == "HT08"
    assert len(codes.disability_types()) == 6 and len(codes.disability_severities()) == 3
    assert [c.code for c in codes.special_circumstance_groups()] == [str(i) for i in range(1, 15)]
    assert codes.change_event_effects()["BD05"] == "close"
