from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from desktop.core.domain.collation import name_sort_key, vn_sort_key

GOLDEN = [
    "a",
    "à",
    "ả",
    "ã",
    "á",
    "ạ",
    "ă",
    "â",
    "b",
    "c",
    "d",
    "đ",
    "e",
    "ê",
    "g",
    "h",
    "i",
    "k",
    "l",
    "m",
    "n",
    "o",
    "ô",
    "ơ",
    "p",
    "q",
    "r",
    "s",
    "t",
    "u",
    "ư",
    "v",
    "x",
    "y",
]


def test_golden_letter_order() -> None:
    shuffled = list(reversed(GOLDEN))
    assert sorted(shuffled, key=vn_sort_key) == GOLDEN


def test_letters_before_tones() -> None:
    # Tones only break ties: "ba" < "bà" < "bác" < "bạc" < "bai".
    words = ["bai", "bạc", "bà", "ba", "bác"]
    assert sorted(words, key=vn_sort_key) == ["ba", "bà", "bác", "bạc", "bai"]


def test_d_stroke_after_d_and_case_insensitive() -> None:
    assert sorted(["Đức", "dung", "Dũng", "đào"], key=vn_sort_key) == [
        "dung",
        "Dũng",
        "đào",
        "Đức",
    ]


def test_shorter_word_first() -> None:
    assert sorted(["An Bình", "An"], key=vn_sort_key) == ["An", "An Bình"]


def test_names_sort_by_given_name_then_full_name() -> None:
    names = ["Trần Văn Bình", "Nguyễn Thị Ánh", "Lê Văn An", "Nguyễn Văn An"]
    assert sorted(names, key=name_sort_key) == [
        "Lê Văn An",
        "Nguyễn Văn An",
        "Nguyễn Thị Ánh",
        "Trần Văn Bình",
    ]


def test_decomposed_input_sorts_like_composed() -> None:
    import unicodedata

    decomposed = unicodedata.normalize("NFD", "Đặng")
    assert vn_sort_key(decomposed)[:2] == vn_sort_key("Đặng")[:2]


@given(
    st.text(
        alphabet=st.sampled_from(list("aăâeêoôơuưiyđdn gh AĂÂĐ\u0300\u0301\u0303\u0309\u0323\t")),
        max_size=30,
    )
)
def test_word_by_word_weights_equal_letter_by_letter(text: str) -> None:
    """The cached word-by-word weights are exactly the letter-by-letter ones, marks after a
    space and other whitespace included."""
    from desktop.core.domain.collation import _split, _split_decomposed

    assert _split(text) == _split_decomposed(unicodedata.normalize("NFD", text.casefold()))
