"""Nothing cut short at 1366×768, at 100 % and at 125 % scaling (issue 19).

Each scaling needs its own process: Qt reads QT_SCALE_FACTOR and the offscreen screen's size
once, when the application starts. So this test starts ``pytest tests/gui/screens_at_scale.py``
with a 1366×768 offscreen screen and the scaling, and shows what that run found.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.gui.layout import run_on_a_1366x768_screen

SCREENS = Path(__file__).with_name("screens_at_scale.py")


@pytest.mark.slow
@pytest.mark.parametrize("scale", ["1", "1.25"], ids=["100%", "125%"])
def test_every_screen_at_1366x768(scale: str, tmp_path: Path) -> None:
    result = run_on_a_1366x768_screen(SCREENS, tmp_path, QT_SCALE_FACTOR=scale)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
