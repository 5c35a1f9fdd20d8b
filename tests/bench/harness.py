"""Benchmark plumbing: cached synthetic communes, timing, results."""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CACHE = Path(__file__).resolve().parent / ".cache"
SEED = 2026
# The communes are generated "as of" a fixed day so every run measures the same book.
TODAY = date(2026, 6, 30)
USER = "admin"
PASSWORD = "matkhau-benchmark-2026"
CACHE_VERSION = "5"  # bump when the generator or the schema changes what a cached book holds


@dataclass(frozen=True)
class Metric:
    """One measured figure."""

    key: str
    label: str
    size: int
    value: float | None
    unit: str
    target: str = "—"
    note: str = ""


def median_ms(
    fn: Callable[[], object], repeat: int, setup: Callable[[], object] | None = None
) -> float:
    """Median wall time of ``fn`` in milliseconds over ``repeat`` runs (after one warm-up);
    ``setup`` runs before each, untimed."""
    if setup is not None:
        setup()
    fn()
    times = []
    for _ in range(repeat):
        if setup is not None:
            setup()
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


@contextmanager
def data_home(path: Path) -> Iterator[Path]:
    """Point SOTREEM_HOME at ``path`` for the duration."""
    before = os.environ.get("SOTREEM_HOME")
    os.environ["SOTREEM_HOME"] = str(path)
    try:
        yield path
    finally:
        if before is None:
            os.environ.pop("SOTREEM_HOME", None)
        else:
            os.environ["SOTREEM_HOME"] = before


def _cache_key(size: int) -> str:
    from desktop.core.storage import migrate

    return f"commune-{size}-seed{SEED}-v{CACHE_VERSION}-{migrate.head_revision()}"


def commune_home(size: int, cache: Path = CACHE) -> Path:
    """A data folder holding a book with ``size`` synthetic children, built once and cached."""
    from desktop.core.services.book import BookSetup, create_book
    from desktop.core.services.demo import populate_book
    from desktop.core.synthetic.generator import generate_commune

    home = cache / _cache_key(size)
    marker = home / "READY"
    if marker.exists():
        return home
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    with data_home(home):
        book, _ = create_book(
            BookSetup(
                commune_code="12345",
                commune_name="Hoàng Kim",
                province_name="Thanh Hóa",
                admin_username=USER,
                admin_full_name="Người đo hiệu năng",
                admin_password=PASSWORD,
            )
        )
        try:
            populate_book(book, generate_commune(size, seed=SEED, today=TODAY))
        finally:
            book.close()
    marker.write_text("ok", encoding="utf-8")
    return home


@contextmanager
def scratch_copy(home: Path, tmp_root: Path) -> Iterator[Path]:
    """A throw-away copy of a cached data folder, for benchmarks that change the book."""
    target = tmp_root / f"scratch-{home.name}-{time.monotonic_ns()}"
    shutil.copytree(home, target)
    try:
        yield target
    finally:
        shutil.rmtree(target, ignore_errors=True)


def run_python(
    code: str, env_home: Path, timeout: float = 300, cpus: set[int] | None = None
) -> str:
    """Run ``code`` in a fresh interpreter (cold imports) and return its stdout.

    ``cpus`` pins the interpreter to those CPU cores (the "old PC" profile uses one).
    """
    env = dict(os.environ, SOTREEM_HOME=str(env_home), QT_QPA_PLATFORM="offscreen")

    def pin() -> None:
        if cpus:
            os.sched_setaffinity(0, cpus)

    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=ROOT,
        timeout=timeout,
        check=False,
        preexec_fn=pin if cpus else None,
    )
    if result.returncode != 0:
        raise RuntimeError(f"benchmark subprocess failed:\n{result.stderr[-3000:]}")
    return result.stdout
