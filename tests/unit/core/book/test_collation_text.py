"""The stored sort key gives exactly the Vietnamese name order, byte by byte."""

from __future__ import annotations

import sqlite3

from hypothesis import given, settings
from hypothesis import strategies as st

from desktop.core.domain.collation import name_sort_key
from desktop.core.domain.collation_text import name_sort_text, sort_text_is_for

LETTERS = (
    "aăâbcdđeêghiklmnoôơpqrstuưvxy AĂÂĐÊÔƠƯ"
    "áàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ"
)
names = st.text(alphabet=LETTERS + "0123456789-'", min_size=0, max_size=25)
GOLDEN = ["Lê An", "Nguyễn Văn An", "Trần Ân", "Phạm Thị Ánh", "Lý Bình", "Đỗ Dũng", "Hồ Đức",
          "Vũ Thị Hoà", "Vũ Thị Hòa", "Ngô Ý"]  # fmt: skip


def _sign(a: object, b: object) -> int:
    return (a > b) - (a < b)  # type: ignore[operator]


@given(names, names)
@settings(max_examples=1000)
def test_text_key_orders_like_the_collation_key(a: str, b: str) -> None:
    assert _sign(name_sort_text(a), name_sort_text(b)) == _sign(name_sort_key(a), name_sort_key(b))


@given(names)
def test_a_key_knows_its_name(name: str) -> None:
    assert sort_text_is_for(name_sort_text(name), name)


def test_a_stale_key_is_recognised() -> None:
    assert not sort_text_is_for(name_sort_text("Nguyễn Văn An"), "An")
    assert not sort_text_is_for(name_sort_text("Lê An"), "Lê Ân")
    assert not sort_text_is_for("", "Lê An")
    assert not sort_text_is_for(None, "Lê An")


def test_sqlite_order_by_gives_the_golden_list() -> None:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE p (name TEXT, k TEXT)")
    db.executemany("INSERT INTO p VALUES (?, ?)", [(n, name_sort_text(n)) for n in GOLDEN[::-1]])
    ordered = [row[0] for row in db.execute("SELECT name FROM p ORDER BY k")]
    assert ordered == sorted(GOLDEN, key=name_sort_key)
    assert ordered[:4] == ["Lê An", "Nguyễn Văn An", "Phạm Thị Ánh", "Trần Ân"]  # a < ă < â
