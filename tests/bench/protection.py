"""Child-protection benchmarks: the special-circumstance list with its coverage, the home
summary and a bulk support to 2,000 children, on a cached synthetic commune.

    .venv/bin/python -m tests.bench.protection --sizes 50000     # measure, update the section

``run.py`` measures the same figures in its main table; this entry point measures only them
and writes the "Bảo vệ trẻ em" section of docs/performance.md (between its markers).
"""

from __future__ import annotations

import argparse
import re
import tempfile
import time
from datetime import datetime
from pathlib import Path

from tests.bench.harness import (
    CACHE,
    PASSWORD,
    USER,
    Metric,
    commune_home,
    data_home,
    median_ms,
    scratch_copy,
)

SECTION_START, SECTION_END = "<!-- protection:start -->", "<!-- protection:end -->"
BULK_CHILDREN = 2_000


def protection_operations(home: Path, size: int, repeat: int, tmp_root: Path) -> list[Metric]:
    """Open the special list with coverage, the home summary, save a 2,000-child campaign."""
    from desktop.core.services.book import open_book
    from desktop.core.services.protection import (
        BulkSupportForm,
        CandidateFilter,
        ProtectionHomeService,
        SpecialService,
        SupportService,
    )
    from sync import clock

    with scratch_copy(home, tmp_root) as scratch, data_home(scratch):
        book = open_book(USER, PASSWORD)
        try:
            special = SpecialService(book)
            listed = special.list()
            list_ms = median_ms(special.list, repeat)
            home_ms = median_ms(ProtectionHomeService(book).summary, repeat)
            supports = SupportService(book)
            ids = tuple(c.person_id for c in supports.candidates(CandidateFilter()))
            ids = ids[:BULK_CHILDREN]
            form = BulkSupportForm(ids, "TG10", clock.today(), campaign_name="Quà Trung thu")
            times = []
            for _ in range(max(1, min(repeat, 3))):
                started = time.perf_counter()
                result = supports.save_bulk(form)
                times.append((time.perf_counter() - started) * 1000)
            times.sort()
            bulk_ms = times[len(times) // 2]
        finally:
            book.close()
    return [
        Metric("special_list", "Mở danh sách trẻ em có HCĐB kèm tỷ lệ được trợ giúp", size,
               list_ms, "ms", "≤ 300 ms",
               f"{len(listed.rows)} trẻ; {listed.coverage.text}."),
        Metric("protection_home", "Trang chủ: phần bảo vệ trẻ em (thời hạn, chưa trợ giúp, đủ 16)",
               size, home_ms, "ms", "≤ 200 ms"),
        Metric("bulk_support", f"Trợ giúp hàng loạt {len(ids)} trẻ (kiểm tra, lưu một lần)",
               size, bulk_ms, "ms", "≤ 2 000 ms", f"{result.saved} dòng ghi, kèm nhật ký."),
    ]  # fmt: skip


def _section(metrics: list[Metric]) -> str:
    lines = [
        SECTION_START,
        "## Bảo vệ trẻ em (issue 13)",
        "",
        f"Đo bằng `.venv/bin/python -m tests.bench.protection`, {datetime.now():%d/%m/%Y %H:%M}; "
        "trung vị của nhiều lần chạy, sổ mẫu có dữ liệu bảo vệ trẻ em của bộ sinh dữ liệu mẫu.",
        "",
        "| Phép đo | Mục tiêu | Cỡ sổ | Kết quả | Ghi chú |",
        "|---|---|---:|---:|---|",
    ]
    for m in metrics:
        value = "—" if m.value is None else f"{m.value:,.1f} {m.unit}".replace(",", " ")
        lines.append(f"| {m.label} | {m.target} | {m.size:,} trẻ | {value} | {m.note} |")
    lines.append(SECTION_END)
    return "\n".join(lines)


def write_section(path: Path, metrics: list[Metric]) -> None:
    """Put the section in ``path`` (replacing an older one, else at the end)."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    section = _section(metrics)
    pattern = re.escape(SECTION_START) + ".*?" + re.escape(SECTION_END)
    if re.search(pattern, text, re.S):
        text = re.sub(pattern, lambda _m: section, text, flags=re.S)
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", default="50000")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--output", type=Path, default=Path("docs/performance.md"))
    parser.add_argument("--cache", type=Path, default=CACHE)
    args = parser.parse_args(argv)
    metrics: list[Metric] = []
    for size in (int(s) for s in args.sizes.split(",")):
        home = commune_home(size, args.cache)
        with tempfile.TemporaryDirectory() as tmp:
            found = protection_operations(home, size, args.repeat, Path(tmp))
        for m in found:
            print(f"[{size:>6} trẻ] {m.label}: {m.value:.1f} {m.unit} ({m.note})", flush=True)
        metrics += found
    write_section(args.output, metrics)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
