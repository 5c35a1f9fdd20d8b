"""Nothing cut short at 1366×768, at 100 % and at 125 % scaling (issue 19).

Each scaling needs its own process: Qt reads QT_SCALE_FACTOR and the offscreen screen's size
once, when the application starts. So this test starts ``pytest tests/gui/screens_at_scale.py``
with a 1366×768 offscreen screen and the scaling, and shows what that run found.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENS = Path(__file__).with_name("screens_at_scale.py")


def offscreen_platform(folder: Path, width: int = 1366, height: int = 768) -> str:
    """QT_QPA_PLATFORM for Qt's offscreen platform with one screen of ``width``×``height``."""
    config = folder / "man-hinh.json"
    screen = {"name": f"{width}x{height}", "x": 0, "y": 0, "width": width, "height": height}
    screen |= {"logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}
    config.write_text(json.dumps({"screens": [screen]}), encoding="utf-8")
    return f"offscreen:configfile={config}"


@pytest.mark.slow
@pytest.mark.parametrize("scale", ["1", "1.25"], ids=["100%", "125%"])
def test_every_screen_at_1366x768(scale: str, tmp_path: Path) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM=offscreen_platform(tmp_path), QT_SCALE_FACTOR=scale)
    for name in ("PYTEST_XDIST_WORKER", "PYTEST_XDIST_TESTRUNUID", "COV_CORE_SOURCE"):
        env.pop(name, None)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=",
         "--basetemp", str(tmp_path / "t"), str(SCREENS)],
        cwd=ROOT, env=env, capture_output=True, text=True, encoding="utf-8", timeout=600,
        check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
