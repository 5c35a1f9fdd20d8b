#!/usr/bin/env python3
"""Measure how long the bundle takes to show its main window (the self-test's step).

    python installer/startup_time.py                 # dist/SoTreEm, 5 runs
    python installer/startup_time.py --runs 10 --bundle D:\\SoTreEm

Each run starts ``sotreem-cli --self-test`` and notes the time from starting the process to the
line "✓ Mở cửa sổ chính" (that includes loading the bundle, creating and filling the demo book,
starting Qt and showing the window) and to the end of the run. The first run after a build, or
after ``--drop-caches`` (Linux, as root), reads every file from disk: that is the cold start.
Standard library only; figures go to docs/performance.md (the bundle section).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXE = ".exe" if sys.platform == "win32" else ""
WINDOW_LINE = "✓ Mở cửa sổ chính"


def drop_caches() -> bool:
    """Empty Linux's page cache so that the next run reads the bundle from disk (root only)."""
    try:
        os.sync()
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
    except OSError:
        return False
    return True


def one_run(exe: Path) -> tuple[float, float]:
    """(seconds to the main window line, seconds to the end) of one self-test run."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONIOENCODING="utf-8")
    started = time.perf_counter()
    window = -1.0
    with subprocess.Popen(
        [str(exe), "--self-test"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
        text=True,
        encoding="utf-8",
    ) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith(WINDOW_LINE) and window < 0:
                window = time.perf_counter() - started
        code = proc.wait()
    total = time.perf_counter() - started
    if code != 0 or window < 0:
        raise SystemExit(f"self-test failed (exit {code}); run it by hand to see why")
    return window, total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=Path, default=ROOT / "dist" / "SoTreEm")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--drop-caches", action="store_true", help="cold first run (Linux, root)")
    args = parser.parse_args()
    exe = args.bundle / f"sotreem-cli{EXE}"
    if args.drop_caches and not drop_caches():
        print("could not drop the page cache (needs Linux and root); first run may be warm")
    results = [one_run(exe) for _ in range(max(1, args.runs))]
    first_window, first_total = results[0]
    print(f"first run:  main window at {first_window:.2f} s, self-test done at {first_total:.2f} s")
    if len(results) > 1:
        windows = [w for w, _ in results[1:]]
        totals = [t for _, t in results[1:]]
        print(
            f"warm runs ({len(windows)}): main window at median {statistics.median(windows):.2f} s"
            f" (min {min(windows):.2f}, max {max(windows):.2f}),"
            f" self-test done at median {statistics.median(totals):.2f} s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
