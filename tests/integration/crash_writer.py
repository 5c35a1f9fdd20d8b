"""The writer killed by tests/integration/test_crash_safety.py (POSIX only: it forks).

It imports the app once, then for each ``RUN <seed>`` line on stdin forks a child that opens
the real encrypted book and saves households through HouseholdService in a loop, printing
``DONE <id>`` after each save returned (i.e. after its commit). The test SIGKILLs the child
at a random moment; this parent reaps it and prints ``DEAD <pid>``. Forking keeps 200+ kills
within a minute or two: the child starts from an already-imported interpreter.

The raw database key comes from $SOTREEM_TEST_RAW_KEY — only this test harness does that.
"""

from __future__ import annotations

import os
import random
import sys
from datetime import date

from desktop import paths
from desktop.core.domain.roles import Role
from desktop.core.services.book import Book, CurrentUser
from desktop.core.services.households import ChildForm, HouseholdForm, HouseholdService
from desktop.core.storage.engine import make_engine
from desktop.core.storage.keyfile import KeyFile

_GIVEN = ["An", "Bình", "Chi", "Dũng", "Đào", "Giang", "Hà", "Khánh", "Lan", "Minh"]


def _name(number: int) -> str:
    # A different name for every save: the duplicate-child check must never stop the stream.
    return " ".join(_GIVEN[int(d)] for d in str(number))


def _say(line: str) -> None:
    # One write() per line: a pipe write this short is atomic, so a kill never splits it.
    os.write(1, (line + "\n").encode("utf-8"))


def work(seed: int, hamlet_id: str, user_id: str) -> None:
    """Save households forever (until killed)."""
    key = bytes.fromhex(os.environ["SOTREEM_TEST_RAW_KEY"])
    engine = make_engine(paths.book_file(), key)
    user = CurrentUser(user_id, "admin", "Quản trị viên", Role.ADMIN)
    book = Book(paths.book_file(), engine, user, KeyFile.load(paths.key_file()), key)
    service = HouseholdService(book)
    rng = random.Random(seed)
    count = 0
    while True:
        count += 1
        children = [
            ChildForm(
                f"Nguyễn {_name(seed * 100_000 + count * 10 + index)}",
                date(2012 + rng.randrange(13), 1 + rng.randrange(12), 1 + rng.randrange(28)),
                1 + rng.randrange(2),
            )
            for index in range(rng.randrange(4))
        ]
        form = HouseholdForm(
            hamlet_id=hamlet_id,
            number=f"{seed}-{count}",
            head_name=f"Trần {rng.choice(_GIVEN)}",
            address="Xóm " + rng.choice(_GIVEN),
            children=children,
        )
        household_id = service.save_household(form, today=date(2026, 6, 1))
        _say(f"DONE {household_id}")


def main() -> None:
    """Fork one writer per RUN line; report its death."""
    hamlet_id, user_id = sys.argv[1], sys.argv[2]
    _say("READY")
    for line in sys.stdin:
        parts = line.split()
        if not parts:
            continue
        if parts[0] == "QUIT":
            return
        seed = int(parts[1])
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                work(seed, hamlet_id, user_id)
            except BaseException:
                code = 3
            os._exit(code)
        _say(f"PID {pid}")
        _pid, status = os.waitpid(pid, 0)
        _say(f"DEAD {pid} {status}")


if __name__ == "__main__":
    main()
