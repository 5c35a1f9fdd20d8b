"""The guide's screenshots come from the app as it is (issue 19): every picture that
docs/huong-dan shows is made by tests/gui/screenshots_of_the_guide.py from the demo book at
1366×768 — or listed there as made by hand, with the reason — and that module runs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.gui.layout import run_on_a_1366x768_screen
from tests.gui.screenshots_of_the_guide import DIALOGS, MADE_BY_HAND

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "huong-dan"
MODULE = Path(__file__).with_name("screenshots_of_the_guide.py")


def _shown_in_the_guide() -> set[str]:
    names: set[str] = set()
    for page in GUIDE.glob("*.md"):
        names |= set(re.findall(r"\]\(img/([^)]+\.png)\)", page.read_text(encoding="utf-8")))
    return names


@pytest.mark.slow
def test_every_picture_of_the_guide_is_made_from_the_app(tmp_path: Path) -> None:
    out = tmp_path / "img"
    result = run_on_a_1366x768_screen(MODULE, tmp_path, SOTREEM_SCREENSHOTS=str(out))
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    made = {path.name for path in out.glob("*.png")}
    assert set(DIALOGS.values()) <= made
    shown = _shown_in_the_guide()
    assert shown - made - set(MADE_BY_HAND) == set(), "pictures nobody makes"
    assert set(MADE_BY_HAND) - shown == set(), "hand-made pictures the guide no longer shows"
    for name in shown:
        assert (GUIDE / "img" / name).is_file(), f"docs/huong-dan/img/{name} is missing"
    assert made - shown == set(), "pictures made for no page of the guide"
