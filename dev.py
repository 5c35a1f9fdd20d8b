#!/usr/bin/env python3
"""Set up and go: `python3 dev.py run` starts the app, `python3 dev.py test` runs every check.

Only the Python standard library is used here, so both commands work on a fresh machine with
Python 3.11+. The first call creates `.venv/` beside this file and installs the project into it;
later calls reuse it and reinstall only when `pyproject.toml` changes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
MIN_PYTHON = (3, 11)
MOVED_CLOCK_DAYS = ("2028-02-29T0", "2030-12-31")
CLOCK_TESTS = ["tests/unit/core", "tests/unit/sync"]


def _workers() -> list[str]:
    """pytest-xdist options: one worker per core, at most four (each runs Qt and SQLCipher);
    a file's tests stay on one worker, so its module-wide fixtures are built once."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    count = min(cores or 1, 4)
    return ["-n", str(count), "--dist", "loadfile"] if count > 1 else []


def _venv_python() -> Path:
    if os.name == "nt":
        return VENV / "Scripts" / "python.exe"
    return VENV / "bin" / "python"


def _ensure_venv(extras: str) -> Path:
    """Create the virtual environment and install the project with `extras` if needed."""
    if sys.version_info < MIN_PYTHON:
        sys.exit("Sổ Trẻ Em cần Python 3.11 trở lên / needs Python 3.11 or newer.")
    py = _venv_python()
    if not py.exists():
        print("Tạo môi trường ảo .venv … / creating .venv …", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()
    stamp = VENV / f".installed-{extras or 'base'}"
    if not stamp.exists() or stamp.read_text() != digest:
        print(f"Cài đặt gói ({extras or 'base'}) … / installing packages …", flush=True)
        target = f".[{extras}]" if extras else "."
        quiet = [] if os.environ.get("CI") else ["-q"]
        subprocess.check_call([str(py), "-m", "pip", "install", *quiet, "--upgrade", "pip"])
        subprocess.check_call([str(py), "-m", "pip", "install", *quiet, "-e", target], cwd=ROOT)
        stamp.write_text(digest)
    return py


def _run(step: str, cmd: list[str], env: dict[str, str] | None = None) -> None:
    print(f"\n=== {step}: {' '.join(cmd)}", flush=True)
    result = subprocess.run(cmd, cwd=ROOT, env=env, check=False)
    if result.returncode != 0:
        print(f"\n*** {step} FAILED (exit {result.returncode})", flush=True)
        sys.exit(result.returncode)


def run_app(args: list[str]) -> None:
    py = _ensure_venv("")
    sys.exit(subprocess.call([str(py), "-m", "desktop", *args], cwd=ROOT))


def run_tests(args: list[str]) -> None:
    py = _ensure_venv("dev")
    bindir = py.parent
    exe = ".exe" if os.name == "nt" else ""
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    if not args:
        _run("ruff check", [str(bindir / f"ruff{exe}"), "check", "."])
        _run("ruff format", [str(bindir / f"ruff{exe}"), "format", "--check", "."])
        _run("mypy", [str(py), "-m", "mypy"])
        _run("import-linter", [str(bindir / f"lint-imports{exe}")])
        with tempfile.TemporaryDirectory() as tmp:
            check_env = dict(env, SOTREEM_ALEMBIC_URL=f"sqlite:///{Path(tmp) / 'check.db'}")
            alembic = str(bindir / f"alembic{exe}")
            _run("alembic upgrade", [alembic, "upgrade", "head"], env=check_env)
            _run("alembic check", [alembic, "check"], env=check_env)
    if args:
        _run("pytest", [str(py), "-m", "pytest", *args], env=env)
        return
    # The whole suite, with coverage (the floor is [tool.coverage.report] fail_under).
    _run("pytest", [str(py), "-m", "pytest", *_workers(), "--cov", "--cov-report="], env=env)
    coverage = str(bindir / f"coverage{exe}")
    (ROOT / "build").mkdir(exist_ok=True)
    with (ROOT / "build" / "coverage.txt").open("w", encoding="utf-8") as out:
        subprocess.run([coverage, "report"], cwd=ROOT, stdout=out, check=False)
    print("\n=== coverage: full table in build/coverage.txt", flush=True)
    _run("coverage", [coverage, "report", "--format=total"], env=env)
    # A suite that passes on any day: the core and service tests again with the clock moved
    # to a leap day just after midnight in Vietnam (still the day before in UTC) and to the last
    # day of a year (tests/conftest.py reads SOTREEM_TEST_TODAY).
    for day in MOVED_CLOCK_DAYS:
        moved = dict(env, SOTREEM_TEST_TODAY=day)
        _run(
            f"pytest, clock moved to {day}",
            [str(py), "-m", "pytest", "-q", *_workers(), *CLOCK_TESTS],
            moved,
        )


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in {"run", "test"}:
        print(__doc__)
        print("Dùng / usage: python3 dev.py run [tham số]   |   python3 dev.py test [pytest args]")
        sys.exit(2)
    command, rest = sys.argv[1], sys.argv[2:]
    if command == "run":
        run_app(rest)
    else:
        run_tests(rest)


if __name__ == "__main__":
    main()
