"""One of two writers started together by tests/integration/test_audit_race.py.

It opens the real encrypted book, waits until the start file exists (so both processes write
at the same moment), then appends ``count`` audited changes: on odd rounds a login-style line
(the audit head read with nothing else written first, the path that raced), on even rounds a
saved household (lines from the session hook). It prints ``OK <count>`` at the end.

The raw database key comes from $SOTREEM_TEST_RAW_KEY — only this test harness does that.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import date
from pathlib import Path

from desktop import paths
from desktop.core.domain.roles import Role
from desktop.core.services.audit import record_event
from desktop.core.services.book import Book, CurrentUser
from desktop.core.services.households import HouseholdForm, HouseholdService
from desktop.core.storage.audit_hook import AuditAction
from desktop.core.storage.engine import make_engine
from desktop.core.storage.keyfile import KeyFile


def main() -> None:
    """Write ``count`` audited changes once the start file appears."""
    name, hamlet_id, user_id, count, start = (
        sys.argv[1],
        sys.argv[2],
        sys.argv[3],
        int(sys.argv[4]),
        Path(sys.argv[5]),
    )
    key = bytes.fromhex(os.environ["SOTREEM_TEST_RAW_KEY"])
    engine = make_engine(paths.book_file(), key)
    user = CurrentUser(user_id, "admin", "Quản trị viên", Role.ADMIN)
    book = Book(paths.book_file(), engine, user, KeyFile.load(paths.key_file()), key)
    service = HouseholdService(book)
    print("READY", flush=True)
    while not start.exists():
        time.sleep(0.005)
    for round_no in range(count):
        if round_no % 2:
            record_event(book, AuditAction.LOGIN, after={"writer": name, "round": round_no})
        else:
            form = HouseholdForm(
                hamlet_id=hamlet_id,
                number=f"{name}-{round_no}",
                head_name=f"Trần {name} {round_no}",
                address="Xóm Đông",
                children=[],
            )
            service.save_household(form, today=date(2026, 6, 1))
    book.close()
    print(f"OK {count}", flush=True)


if __name__ == "__main__":
    main()
