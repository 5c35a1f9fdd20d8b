from __future__ import annotations

import re
import sys
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop.core.domain.text import clean_text, fold, format_size


def test_fold_examples() -> None:
    assert fold("Nguyễn Văn An") == "nguyen van an"
    assert fold("Đức") == "duc"
    assert fold("  ĐẶNG   thị  Ánh ") == "dang thi anh"
    assert fold(None) == ""


def test_clean_text_is_nfc_and_single_spaced() -> None:
    decomposed = unicodedata.normalize("NFD", "  Nguyễn   Thị  Hương ")
    cleaned = clean_text(decomposed)
    assert cleaned == "Nguyễn Thị Hương"
    assert unicodedata.is_normalized("NFC", cleaned)


@given(st.text())
def test_fold_is_idempotent_and_accentless(text: str) -> None:
    once = fold(text)
    assert fold(once) == once
    assert not any(unicodedata.combining(ch) for ch in unicodedata.normalize("NFD", once))


def test_fold_drops_every_combining_mark() -> None:
    # fold drops marks with one str.translate table; it must cover every mark Unicode has.
    marks = [chr(c) for c in range(sys.maxunicode + 1) if unicodedata.combining(chr(c))]
    assert fold("a" + "".join(marks) + " b") == "a b"


# Texts that hit the fast paths (ASCII, printable, single spaces) and the slow ones.
_texts = st.one_of(
    st.text(),
    st.text(alphabet=" \t\n\u00a0\u2003\u3000aĐđbé\u0301 "),
    st.text(alphabet=st.characters(max_codepoint=127)),
)


@given(_texts)
def test_clean_text_matches_its_definition(text: str) -> None:
    expected = re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()
    assert clean_text(text) == expected


@given(_texts)
def test_fold_matches_its_definition_on_spaces_and_ascii(text: str) -> None:
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    assert fold(text) == re.sub(r"\s+", " ", stripped.casefold()).strip()


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (0, "0 B"),
        (999, "999 B"),
        (1_000, "1,0 KB"),
        (34_567, "34,6 KB"),
        (1_091_251, "1,1 MB"),
        (999_949_999, "999,9 MB"),
        (2_000_000_000, "2,0 GB"),
        (5_000_000_000_000, "5000,0 GB"),
    ],
)
def test_format_size_reads_in_vietnamese_units(size: int, text: str) -> None:
    assert format_size(size) == text
