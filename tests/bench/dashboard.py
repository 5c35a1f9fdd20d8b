"""Upstream dashboard benchmark (issue 15) on PostgreSQL: a province of 120 communes with
three periods of finalised reports, each report ~40 indicator totals and their cells.

    SOTREEM_TEST_PG_URL=postgresql://… .venv/bin/python -m tests.bench.dashboard \
        [--communes 120] [--repeat 5]

The reports are pushed through the real push service (so they are taken in as in production);
the pages are fetched through the real app, signed in. The numbers describe communes of 8,000
children each, but the dashboard reads only the snapshots' totals, never child records, so the
size of a commune's book does not enter the cost. Prints the Markdown of the
"Cấp trên: bảng điều khiển" section of docs/performance.md (the database is emptied first).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import uuid
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import text

from sync.protocol import PushHeader
from sync.server.app import create_app
from sync.server.db import make_engine
from sync.server.models import Base
from sync.server.services import enrollment, push, users
from sync.server.services.enrollment import DeviceIdentity
from sync.server.settings import ServerSettings

PERIODS = ("2025-H1", "2026-H1", "2026-9M")
INDICATORS = 40
CELLS = 4
CHILDREN = 8000
PASSWORD = "mat-khau-do-hieu-nang"
TARGETS = {
    "overview": ("Tình hình gửi báo cáo một kỳ (trang)", 300.0),
    "combined": ("Bảng chỉ tiêu tổng hợp (trang)", 300.0),
    "drill": ("Một chỉ tiêu theo từng xã (trang)", 300.0),
    "xlsx": ("Tải bảng tổng hợp .xlsx", 2000.0),
}


def _items(commune_index: int, period: str) -> list[dict[str, Any]]:
    report_id = str(uuid.uuid4())
    stamp = "2026-05-01T08:00:00+07:00"
    rows: list[dict[str, Any]] = [
        {
            "table": "periodic_reports", "id": report_id, "version": 1, "base_version": 0,
            "updated_at": stamp, "updated_by": "bench",
            "data": {"period_code": period, "report_version": 1, "state": "finalised",
                     "finalised_at": stamp},
        }
    ]  # fmt: skip
    for k in range(INDICATORS):
        unit = "count" if k % 4 == 0 else "percent"
        denominator = float(CHILDREN // (1 + k % 5))
        numerator = float(int(denominator * (0.5 + ((commune_index * 7 + k) % 50) / 100)))
        value = numerator if unit == "count" else 100 * numerator / denominator
        for cell in range(CELLS + 1):
            rows.append(
                {
                    "table": "report_snapshot_values", "id": str(uuid.uuid4()), "version": 1,
                    "base_version": 0, "updated_at": stamp, "updated_by": "bench",
                    "data": {
                        "report_id": report_id, "indicator_code": f"CT{k + 1:02d}",
                        "dimension": "" if cell == 0 else "sex", "cell_code": str(cell),
                        "label": f"Chỉ tiêu {k + 1}", "status": "ok", "unit": unit,
                        "value": value, "numerator": numerator if unit != "count" else None,
                        "denominator": denominator if unit != "count" else None,
                        "detail": '{"targets": [["national", 2030, "90%"]]}' if cell == 0 else "",
                    },
                }
            )  # fmt: skip
    return rows


def build(url: str, communes: int) -> float:
    """Empty the database, then push every commune's reports; seconds taken."""
    engine = make_engine(url)
    with engine.begin() as conn:
        Base.metadata.drop_all(conn)
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    engine.dispose()
    app = create_app(ServerSettings(db_url=url, home=__import__("pathlib").Path("/tmp")))
    sessions = app.state.sessions
    started = time.perf_counter()
    for i in range(communes):
        code = f"{10000 + i:05d}"
        _sealed, _code, device_id = enrollment.register_offline(sessions, code, "Máy xã")
        device = DeviceIdentity(id=device_id, commune_code=code, name="Máy xã")
        for period in PERIODS:
            items = _items(i, period)
            for start in range(0, len(items), 500):
                chunk = items[start : start + 500]
                header = PushHeader(
                    batch_id=str(uuid.uuid4()), commune_code=code, device_id=device_id
                )
                push.push(sessions, device, header, chunk)
    users.create_user(sessions, "bench", "Đo hiệu năng", PASSWORD, "*", role="viewer")
    app.state.engine.dispose()
    return time.perf_counter() - started


def measure(url: str, repeat: int) -> dict[str, float]:
    """Median milliseconds of each page, signed in, on the built database."""
    app = create_app(ServerSettings(db_url=url, home=__import__("pathlib").Path("/tmp")))
    out: dict[str, float] = {}
    with TestClient(app, base_url="https://testserver") as client:
        client.post("/dang-nhap", data={"username": "bench", "password": PASSWORD})
        paths = {
            "overview": "/ky/2026-H1",
            "combined": "/ky/2026-H1/chi-tieu",
            "drill": "/ky/2026-H1/chi-tieu?ma=CT02",
            "xlsx": "/ky/2026-H1/chi-tieu.xlsx",
        }
        for key, path in paths.items():
            client.get(path)  # warm
            times = []
            for _ in range(repeat):
                started = time.perf_counter()
                answer = client.get(path, follow_redirects=False)
                times.append((time.perf_counter() - started) * 1000)
                assert answer.status_code == 200, (path, answer.status_code)
            out[key] = statistics.median(times)
    app.state.engine.dispose()
    return out


def main() -> None:
    """Build, measure, print the Markdown section."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--communes", type=int, default=120)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--db", default=os.environ.get("SOTREEM_TEST_PG_URL", ""))
    parser.add_argument("--reuse", action="store_true", help="measure the database built last time")
    args = parser.parse_args()
    if not args.db.startswith("postgres"):
        raise SystemExit("Cần PostgreSQL: đặt SOTREEM_TEST_PG_URL hoặc --db postgresql://…")
    seconds = 0.0 if args.reuse else build(args.db, args.communes)
    figures = measure(args.db, args.repeat)
    rows = args.communes * len(PERIODS) * (1 + INDICATORS * (CELLS + 1))
    print(
        f"{args.communes} xã × {len(PERIODS)} kỳ, mỗi báo cáo {INDICATORS} chỉ tiêu × "
        f"{CELLS + 1} ô ({rows:,} bản ghi đồng bộ; nhận qua dịch vụ push trong {seconds:.0f} s)\n"
    )
    load = os.getloadavg()[0]
    print(f"Tải máy khi đo (load average 1 phút): {load:.1f} trên {os.cpu_count()} lõi.\n")
    print("| Thao tác | Mục tiêu | Trung vị |\n| --- | --- | --- |")
    for key, (label, target) in TARGETS.items():
        mark = "✓" if figures[key] <= target else "✗"
        print(f"| {label} | ≤ {target:,.0f} ms | {figures[key]:,.0f} ms {mark} |")


if __name__ == "__main__":
    main()
