"""`sotreem auto-events`: the headless path of the 16th-birthday exits, as a process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ADMIN_PASSWORD


def _run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, SOTREEM_HOME=str(home), PYTHONIOENCODING="utf-8")
    env["SOTREEM_PASSWORD"] = ADMIN_PASSWORD
    return subprocess.run(
        [sys.executable, "-m", "desktop", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=120,
        check=False,
    )


def test_auto_events_runs_headless_and_is_idempotent(sotreem_home: Path) -> None:
    init = _run(sotreem_home, "demo", "--children", "60")
    assert init.returncode == 0, init.stderr
    first = _run(sotreem_home, "auto-events")
    assert first.returncode == 0, first.stderr
    summary = json.loads(first.stdout.strip().splitlines()[-1])
    assert summary["created"] == 0  # nobody turned 16 since the book was made today
    assert "đã xét đến" in first.stdout
    bad = _run(sotreem_home, "auto-events", "--date", "31/02/2026")
    assert bad.returncode == 2 and "không tồn tại" in bad.stderr
    future = _run(sotreem_home, "auto-events", "--date", "01/01/2999")
    assert future.returncode == 2 and "sau ngày hôm nay" in future.stderr
