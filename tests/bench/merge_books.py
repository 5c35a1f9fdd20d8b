"""Three former communes' books brought into the new commune's book (issue 17), end to end.

    .venv/bin/python -m tests.bench.merge_books                          # 5,000 / 8,000 / 12,000
    .venv/bin/python -m tests.bench.merge_books --sizes 500,800,1200     # smaller books
    .venv/bin/python -m tests.bench.merge_books --quick                  # without the server
    .venv/bin/python -m tests.bench.merge_books --pg postgresql://…      # server on PostgreSQL

The three former books are synthetic communes (``desktop/core/synthetic``, protection data
included) with their own codes and hamlet names; ``--share`` (2 %) of all their children are
ALSO in an earlier one of them: half with the same personal ID, half (without an ID) with the
same name, birth date and a parent's name, the two duplicate rules of the merge. The books are
built once and cached in tests/bench/.cache/ (with the list of planted pairs).

Each run, on copies: every former book enrols with the real server on 127.0.0.1 and syncs
under its own code, and is backed up with the app's BackupService; the new commune's book is
created and brings the three in with MergeBookService (confirming exactly the planted pairs);
then the checks — every planted pair listed (other candidate pairs counted), every table's
count equal to the sum of the former books' plus what the merge adds, live persons the sum less
the pairs, the audit chain and each kept former trail intact, a second run of the same backups
creating nothing. Upstream: the administrator declares the merge (``merge-communes``), the new
book enrols and syncs, and the server's database must hold each child once under the new code
and nothing of the former codes' persons. The figures go to the "Gộp sổ ba xã cũ" section of
docs/performance.md (between its markers; ``tests.bench.run`` keeps it).

The clock is pinned to ``harness.TODAY`` (the day the books are generated as of), so every run
measures the same merge; the server runs on the real clock, as it would.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import re
import resource
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from tests.bench.harness import CACHE, CACHE_VERSION, PASSWORD, SEED, TODAY, USER, data_home

SECTION_START, SECTION_END = "<!-- merge17:start -->", "<!-- merge17:end -->"
DEFAULT_OUTPUT = Path(__file__).resolve().parents[2] / "docs" / "performance.md"
DEFAULT_SIZES = (5_000, 8_000, 12_000)
DEFAULT_SHARE = 0.02
TARGET_S = 60.0
# (code, name) of the former communes, then of the new one (the 2025 reform's).
FORMERS: tuple[tuple[str, str], ...] = (
    ("11111", "Minh Hưng"),
    ("22222", "Minh Lộc"),
    ("33333", "Minh Tân"),
)
NEW_CODE, NEW_NAME = "44444", "Minh Phú"
MERGED_ON = "01/07/2025"
UPSTREAM_ADMIN, UPSTREAM_PASSWORD = "quantri.tinh", "mat-khau-tinh-2025"
ID_RULE, NAME_RULE = "id_number", "name_birth_parent"


@dataclass(frozen=True)
class Plant:
    """A child of an earlier former book typed into a later one too (the same child)."""

    existing_id: str  # the record in the earlier book (in the new book once that came)
    incoming_id: str  # the record in the later book
    incoming_code: str  # the later book's commune code
    rule: str  # ID_RULE or NAME_RULE


@dataclass(frozen=True)
class FormerSet:
    """The cached former books: a data folder each, and the planted pairs."""

    homes: tuple[Path, ...]
    sizes: tuple[int, ...]
    plants: tuple[Plant, ...]


@dataclass(frozen=True)
class BookFigures:
    """One former book: its sync under its own code, its backup, its merge."""

    code: str
    children: int
    rows: int  # rows of the copied tables in the former book
    sync_s: float | None
    sync_sent: int
    backup_s: float
    open_s: float
    preview_s: float
    apply_s: float
    planted: int
    listed: int
    missing: int
    extra: int
    created: int

    @property
    def merge_s(self) -> float:
        """Open (check the backup, rebuild), preview, apply."""
        return self.open_s + self.preview_s + self.apply_s


@dataclass
class MergeReport:
    """Everything one run measured and checked."""

    books: list[BookFigures] = field(default_factory=list)
    checks: list[tuple[str, bool, str]] = field(default_factory=list)
    table_rows: list[tuple[str, int, int, str]] = field(default_factory=list)
    second_run_s: float = 0.0
    declare_s: float | None = None
    new_sync_s: float | None = None  # enrol, push, pull
    new_push_s: float | None = None  # enrol, push
    new_sync_message: str = ""  # what the officer read after that sync
    new_sync_sent: int = 0
    new_sync_received: int = 0
    new_sync_bytes: int = 0
    # Rows of the new book waiting to be sent, per table, before its first sync.
    pending_before_sync: dict[str, int] = field(default_factory=dict)
    # Candidate pairs listed but not planted (left unconfirmed): (this book's id, former's id,
    # reasons). In synthetic books they are two children given the same random personal ID.
    extra_pairs: list[tuple[str, str, tuple[str, ...]]] = field(default_factory=list)
    server_persons: int = 0
    peak_mib: float = 0.0
    backend: str = "—"

    @property
    def merge_total_s(self) -> float:
        """The three merges (open, preview, apply each)."""
        return sum(b.merge_s for b in self.books)

    @property
    def ok(self) -> bool:
        """True when every check passed."""
        return all(passed for _name, passed, _detail in self.checks)

    def check(self, name: str, passed: bool, detail: str = "") -> None:
        """Record one check."""
        self.checks.append((name, bool(passed), detail))


# -- the former books ------------------------------------------------------------------------


def _cache_key(sizes: Sequence[int], share: float) -> str:
    from desktop.core.storage import migrate

    joined = "-".join(str(s) for s in sizes)
    return f"merge-{joined}-share{share:g}-seed{SEED}-v{CACHE_VERSION}-{migrate.head_revision()}"


def former_books(sizes: Sequence[int], share: float, cache: Path = CACHE) -> FormerSet:
    """The three former books (built once, then cached), with the planted pairs."""
    from desktop.core.services.book import BookSetup, create_book
    from desktop.core.services.demo import populate_book
    from desktop.core.synthetic.generator import generate_commune

    if len(sizes) != len(FORMERS):
        raise ValueError(f"cần đúng {len(FORMERS)} cỡ sổ, ví dụ 5000,8000,12000")
    root = cache / _cache_key(sizes, share)
    homes = tuple(root / code for code, _name in FORMERS)
    plan = root / "plan.json"
    if (root / "READY").exists():
        saved = json.loads(plan.read_text(encoding="utf-8"))
        return FormerSet(homes, tuple(sizes), tuple(Plant(**p) for p in saved))
    shutil.rmtree(root, ignore_errors=True)
    communes = [
        generate_commune(size, seed=SEED + 17 * (index + 1), today=TODAY)
        for index, size in enumerate(sizes)
    ]
    _distinct_hamlets(communes)
    plants = _plant(communes, share)
    for home, (code, name), commune in zip(homes, FORMERS, communes, strict=True):
        home.mkdir(parents=True)
        with data_home(home):
            book, _recovery = create_book(
                BookSetup(
                    commune_code=code,
                    commune_name=name,
                    province_name="Thanh Hóa",
                    admin_username=USER,
                    admin_full_name=f"Cán bộ xã {name}",
                    admin_password=PASSWORD,
                )
            )
            try:
                populate_book(book, commune)
            finally:
                book.close()
    plan.write_text(json.dumps([dataclasses.asdict(p) for p in plants]), encoding="utf-8")
    (root / "READY").write_text("ok", encoding="utf-8")
    return FormerSet(homes, tuple(sizes), tuple(plants))


def _distinct_hamlets(communes: list[Any]) -> None:
    """A hamlet named like one of an earlier former commune takes its commune's name too."""
    from desktop.core.domain.text import fold

    seen: set[str] = set()
    for commune, (_code, name) in zip(communes, FORMERS, strict=True):
        for index, hamlet in enumerate(commune.hamlets):
            if fold(hamlet.name) in seen:
                commune.hamlets[index] = dataclasses.replace(hamlet, name=f"{hamlet.name} ({name})")
            seen.add(fold(commune.hamlets[index].name))


def _named_parent(person: Any) -> str:
    return next((g.full_name for g in person.guardians if g.full_name), "")


def _plant(communes: list[Any], share: float) -> list[Plant]:
    """Make ``share`` of all children also children of an earlier book; the pairs.

    The later book's record takes the earlier one's name, birth date and sex; for the ID rule
    its personal ID too, for the other rule no ID and the earlier record's parent's name.
    The pairs are shared between the later books by their sizes; book 3 takes its children
    from books 1 and 2 in turn. A record is in one pair at most.
    """
    rng = random.Random(f"{SEED}:merge-books")
    total = sum(c.children for c in communes)
    wanted = round(share * total)
    later = [c.children for c in communes[1:]]
    counts = [round(wanted * n / sum(later)) for n in later]
    counts[-1] = wanted - sum(counts[:-1])
    used: set[str] = set()
    plants: list[Plant] = []
    for offset, count in enumerate(counts, start=1):
        target = communes[offset]
        code = FORMERS[offset][0]
        numbers = {p.id_number for p in target.persons() if p.id_number}
        slots = [
            (household, index)
            for household in target.households
            for index, person in enumerate(household.members)
            if person.status == "active" and _named_parent(person) and person.id not in used
        ]
        rng.shuffle(slots)
        pools: dict[tuple[int, str], list[Any]] = {}
        for earlier in range(offset):
            people = [
                p for p in communes[earlier].persons() if p.status == "active" and p.id not in used
            ]
            rng.shuffle(people)
            pools[(earlier, ID_RULE)] = [p for p in people if p.id_number]
            pools[(earlier, NAME_RULE)] = [
                p for p in people if not p.id_number and _named_parent(p)
            ]
        for number in range(count):
            rule = ID_RULE if number % 2 == 0 else NAME_RULE
            earlier = (number // 2) % offset
            pool = pools[(earlier, rule)] or pools[(earlier, ID_RULE)]
            source = next(p for p in pool if p.id not in used and p.id_number not in numbers)
            rule = NAME_RULE if not source.id_number else rule
            household, index = slots.pop()
            person = household.members[index]
            changes: dict[str, Any] = {
                "full_name": source.full_name,
                "birth_date": source.birth_date,
                "sex": source.sex,
                "id_number": source.id_number if rule == ID_RULE else None,
                "birth_date_estimated": False,
            }
            if rule == NAME_RULE:
                first = next(i for i, g in enumerate(person.guardians) if g.full_name)
                guardians = list(person.guardians)
                guardians[first] = dataclasses.replace(
                    guardians[first], full_name=_named_parent(source)
                )
                changes["guardians"] = tuple(guardians)
            household.members[index] = dataclasses.replace(person, **changes)
            used.update((source.id, person.id))
            plants.append(Plant(source.id, person.id, code, rule))
    return plants


# -- one run ---------------------------------------------------------------------------------


def _copied_counts(book: Any) -> dict[str, int]:
    from sqlalchemy import func, select

    from desktop.core.services.merge_book import COPIED_TABLES
    from desktop.core.storage.base import Base

    with book.read() as session:
        return {
            name: int(session.scalar(select(func.count()).select_from(Base.metadata.tables[name])))
            for name in COPIED_TABLES
        }


def _all_counts(book: Any) -> dict[str, int]:
    from sqlalchemy import func, select

    from desktop.core.storage.base import Base

    with book.read() as session:
        return {
            name: int(session.scalar(select(func.count()).select_from(table)) or 0)
            for name, table in Base.metadata.tables.items()
        }


def _live_persons(book: Any) -> int:
    from sqlalchemy import func, select

    from desktop.core.storage.models import Person

    with book.read() as session:
        return int(
            session.scalar(select(func.count(Person.id)).where(Person.deleted.is_(False))) or 0
        )


def _risk_codes(book: Any) -> set[str]:
    from sqlalchemy import select

    from desktop.core.storage.models import RiskCategory

    with book.read() as session:
        return set(session.scalars(select(RiskCategory.code)))


@contextmanager
def _timer() -> Iterator[Callable[[], float]]:
    started = time.perf_counter()
    end: list[float] = []
    yield lambda: (end[0] if end else time.perf_counter()) - started
    end.append(time.perf_counter())


class _Server:
    """The real server (``tests/integration``'s ServerProcess) and a view of its database."""

    def __init__(self, folder: Path, db_url: str | None) -> None:
        from sync.server.db import make_engine, make_session_factory
        from tests.integration.conftest import ServerProcess

        folder.mkdir(parents=True, exist_ok=True)
        self.process = ServerProcess(folder, db_url)
        self.process.start()
        self.engine = make_engine(self.process.db_url)
        self.sessions = make_session_factory(self.engine)

    def held(self, commune: str) -> dict[str, tuple[int, int]]:
        """(rows, live rows) per table the server holds for ``commune``."""
        from sqlalchemy import func, select

        from sync.server.models import Record

        found: dict[str, tuple[int, int]] = {}
        with self.sessions() as session:
            query = (
                select(Record.table_name, Record.deleted, func.count())
                .where(Record.commune_code == commune)
                .group_by(Record.table_name, Record.deleted)
            )
            for table, deleted, count in session.execute(query):
                rows, live = found.get(table, (0, 0))
                found[table] = (rows + count, live + (0 if deleted else count))
        return found

    def live_persons(self, commune: str) -> dict[str, str | None]:
        """The live persons held for ``commune``: id → personal ID."""
        from sqlalchemy import select

        from sync.server.models import Record

        with self.sessions() as session:
            rows = session.execute(
                select(Record.record_id, Record.data).where(
                    Record.commune_code == commune,
                    Record.table_name == "persons",
                    Record.deleted.is_(False),
                )
            )
            return {str(rid): (data.get("id_number") or None) for rid, data in rows}

    def close(self) -> None:
        """Stop the server."""
        self.process.stop()
        self.engine.dispose()


def _sync(book: Any, url: str, code: str, server: _Server) -> tuple[Any, float]:
    from desktop.core.sync_service import SyncService

    service = SyncService(book)
    with _timer() as took:
        service.enroll(url, server.process.issue_enrollment_code(code))
        outcome = service.sync()
    return outcome, took()


def run(
    sizes: Sequence[int] = DEFAULT_SIZES,
    share: float = DEFAULT_SHARE,
    *,
    cache: Path = CACHE,
    server: bool = True,
    db_url: str | None = None,
    log: Callable[[str], None] = lambda _text: None,
) -> MergeReport:
    """Build (or take from the cache) the former books, then merge, check and sync."""
    with _timer() as took:
        formers = former_books(sizes, share, cache)
    log(f"ba sổ xã cũ sẵn sàng ({took():.1f} s), {len(formers.plants)} cặp trùng đã cài")
    report = MergeReport(backend=("PostgreSQL" if db_url else "SQLite") if server else "—")
    with tempfile.TemporaryDirectory(prefix="sotreem-merge-") as tmp:
        work = Path(tmp)
        upstream = _Server(work / "server", db_url) if server else None
        try:
            _merge_and_check(formers, work, upstream, report, log)
        finally:
            if upstream is not None:
                upstream.close()
    report.peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return report


def _merge_and_check(
    formers: FormerSet,
    work: Path,
    upstream: _Server | None,
    report: MergeReport,
    log: Callable[[str], None],
) -> None:
    from desktop.core.services.audit import AuditService
    from desktop.core.services.book import BookSetup, create_book
    from desktop.core.services.merge_book import MergeBookService

    copies = [
        _former_copy(home, code, work, upstream=upstream, report=report, log=log)
        for home, (code, _name) in zip(formers.homes, FORMERS, strict=True)
    ]
    counts = [c.counts for c in copies]
    live = [c.live for c in copies]
    codes = set().union(*(c.risk_codes for c in copies))

    new_home = work / "xa-moi"
    new_home.mkdir()
    with data_home(new_home):
        book, _recovery = create_book(
            BookSetup(
                commune_code=NEW_CODE,
                commune_name=NEW_NAME,
                province_name="Thanh Hóa",
                admin_username=USER,
                admin_full_name="Cán bộ xã mới",
                admin_password=PASSWORD,
            )
        )
        try:
            before = _copied_counts(book)
            codes |= _risk_codes(book)
            merger = MergeBookService(book)
            history = merged = birthdays = 0
            for index, copy in enumerate(copies):
                code = copy.code
                planted = {(p.existing_id, p.incoming_id) for p in formers.plants
                           if p.incoming_code == code}  # fmt: skip
                with (
                    _timer() as opened_in,
                    merger.open(copy.backup, secret=PASSWORD, username=USER) as f,
                ):
                    open_s = opened_in()
                    with _timer() as previewed_in:
                        preview = merger.preview(f)
                    listed = {(d.existing_id, d.incoming_id) for d in preview.duplicates}
                    report.extra_pairs += [
                        (d.existing_id, d.incoming_id, d.reasons)
                        for d in preview.duplicates
                        if (d.existing_id, d.incoming_id) not in planted
                    ]
                    with _timer() as applied_in:
                        result = merger.apply(f, None, sorted(planted))
                history += result.history_lines
                merged += result.merged_pairs
                birthdays += result.sixteenth_birthdays
                figures = BookFigures(
                    code=code, children=formers.sizes[index], rows=sum(copy.counts.values()),
                    sync_s=copy.sync_s, sync_sent=copy.sync_sent, backup_s=copy.backup_s,
                    open_s=open_s,
                    preview_s=previewed_in(), apply_s=applied_in(), planted=len(planted),
                    listed=len(listed), missing=len(planted - listed),
                    extra=len(listed - planted), created=result.total,
                )  # fmt: skip
                report.books.append(figures)
                log(f"xã {code}: gộp {result.total} bản ghi, {len(planted)} cặp, "
                    f"{figures.merge_s:.1f} s")  # fmt: skip
                report.check(
                    f"sổ xã {code}: mọi cặp đã cài đều được liệt kê",
                    not figures.missing,
                    f"{figures.missing} cặp thiếu trong {len(planted)}",
                )
            report.check(
                f"ba sổ gộp trong ≤ {TARGET_S:.0f} s",
                report.merge_total_s <= TARGET_S,
                f"{report.merge_total_s:.1f} s",
            )
            _check_counts(
                report, book, before=before, counts=counts, live=live, codes=codes,
                history=history, merged=merged, birthdays=birthdays,
            )  # fmt: skip

            chain = AuditService(book).verify()
            trails = AuditService(book).verify_former()
            report.check("nhật ký của sổ mới nguyên vẹn", chain.ok, chain.message_vi)
            report.check(
                "nhật ký của ba sổ xã cũ giữ nguyên vẹn",
                len(trails) == len(FORMERS) and all(t.ok for t in trails),
                "; ".join(t.message_vi for t in trails),
            )

            after = _all_counts(book)
            with _timer() as again_in:
                created_again = 0
                for copy in copies:
                    with merger.open(copy.backup, secret=PASSWORD, username=USER) as f:
                        preview = merger.preview(f)
                        result = merger.apply(f, None, ())
                        created_again += result.total + result.merged_pairs
                        created_again += 0 if preview.nothing_new else 1
            report.second_run_s = again_in()
            report.check(
                "gộp lại cùng ba bản sao lưu không tạo gì",
                created_again == 0 and _all_counts(book) == after,
                f"{created_again} bản ghi",
            )

            if upstream is not None:
                _upstream(report, book, upstream, sum(live) - merged)
        finally:
            book.close()


@dataclass(frozen=True)
class _FormerCopy:
    """A former book copied from the cache, synced upstream (or not), backed up."""

    code: str
    backup: Path
    counts: dict[str, int]  # rows of the copied tables
    live: int  # live persons
    risk_codes: set[str]
    sync_s: float | None
    sync_sent: int
    backup_s: float


def _former_copy(
    home: Path,
    code: str,
    work: Path,
    *,
    upstream: _Server | None,
    report: MergeReport,
    log: Callable[[str], None],
) -> _FormerCopy:
    """Copy a cached former book, sync it under its own code (with a server), back it up."""
    from desktop.core.services.backup import BackupService
    from desktop.core.services.book import open_book

    copy = work / f"xa-{code}"
    shutil.copytree(home, copy)
    with data_home(copy):
        book = open_book(USER, PASSWORD)
        try:
            sync_s, sent = None, 0
            if upstream is not None:
                outcome, sync_s = _sync(book, upstream.process.url, code, upstream)
                sent = outcome.sent
                report.check(
                    f"sổ xã {code} đồng bộ hết lên máy chủ dưới mã của nó",
                    not outcome.failed and outcome.remaining == 0 and outcome.rejected == 0,
                    outcome.message_vi,
                )
                log(f"xã {code}: đồng bộ {sent} bản ghi trong {sync_s:.1f} s")
            with _timer() as took:
                info = BackupService(book).backup_now(work / "sao-luu")
            return _FormerCopy(
                code, info.path, _copied_counts(book), _live_persons(book), _risk_codes(book),
                sync_s, sent, took(),
            )  # fmt: skip
        finally:
            book.close()


def _check_counts(
    report: MergeReport,
    book: Any,
    *,
    before: dict[str, int],
    counts: list[dict[str, int]],
    live: list[int],
    codes: set[str],
    history: int,
    merged: int,
    birthdays: int,
) -> None:
    """Each table: this book's rows = its own + the former books' + what the merge adds."""
    from desktop.core.services.merge_book import COPIED_TABLES

    after = _copied_counts(book)
    added = {"change_events": history + birthdays, "merge_records": merged}
    why = {
        "change_events": f"+ {history} dòng “thuộc xã … cũ” của các hộ"
        + (f", + {birthdays} lần đủ 16 tuổi" if birthdays else ""),
        "merge_records": f"+ {merged} cặp trùng đã gộp",
        "risk_categories": "một mã nguy cơ chỉ có một dòng",
    }
    wrong = []
    for table in COPIED_TABLES:
        former_sum = sum(c[table] for c in counts)
        if table == "risk_categories":
            expected = len(codes)
        else:
            expected = before[table] + former_sum + added.get(table, 0)
        report.table_rows.append((table, former_sum, after[table], why.get(table, "")))
        if after[table] != expected:
            wrong.append(f"{table}: {after[table]} ≠ {expected}")
    report.check(
        "số dòng từng bảng = sổ mới + các sổ cũ + phần gộp thêm", not wrong, "; ".join(wrong)
    )
    persons = _live_persons(book)
    report.check(
        "nhân khẩu còn hiệu lực = tổng ba sổ cũ − số cặp trùng",
        persons == sum(live) - merged,
        f"{persons} = {sum(live)} − {merged}",
    )
    report.table_rows.append(("persons (còn hiệu lực)", sum(live), persons, f"− {merged} cặp"))


def _upstream(
    report: MergeReport,
    book: Any,
    server: _Server,
    children: int,
) -> None:
    """Declare the merge upstream, sync the new book, look at the server's database."""
    from sqlalchemy import select

    from desktop.core.storage.base import SyncState
    from desktop.core.storage.models import SYNCED_MODELS, Person
    from desktop.core.sync_service import SyncService
    from sync.protocol import MERGED_TABLES

    process = server.process
    process.cli(
        "create-user", "--username", UPSTREAM_ADMIN, "--full-name", "Quản trị tỉnh",
        "--communes", "*", "--role", "administrator",
        env={"SOTREEM_SERVER_PASSWORD": UPSTREAM_PASSWORD},
    )  # fmt: skip
    former_args = [arg for code, _name in FORMERS for arg in ("--from", code)]
    with _timer() as declared_in:
        out = process.cli(
            "merge-communes", "--user", UPSTREAM_ADMIN, "--into", NEW_CODE, *former_args,
            "--on", MERGED_ON,
        )  # fmt: skip
    report.declare_s = declared_in()
    report.check("máy chủ ghi nhận việc gộp", "Đã gộp xã" in out, out.strip()[:200])
    with book.read() as session:
        for table in MERGED_TABLES:
            model = SYNCED_MODELS[table]
            waiting = session.scalars(
                select(model.id).where(model.sync_state != SyncState.SYNCED.value)
            ).all()
            if waiting:
                report.pending_before_sync[table] = len(waiting)
    # Sent first (push), then the whole sync (push of nothing, then the pull): two figures.
    service = SyncService(book)
    with _timer() as pushed_in:
        service.enroll(process.url, process.issue_enrollment_code(NEW_CODE))
        pushed = service.push()
    with _timer() as pulled_in:
        outcome = service.sync()
    report.new_push_s, report.new_sync_s = pushed_in(), pushed_in() + pulled_in()
    report.new_sync_sent = pushed.sent + outcome.sent
    report.new_sync_received = outcome.received
    report.new_sync_bytes = sum(o.bytes_sent + o.bytes_received for o in (pushed, outcome))
    report.new_sync_message = outcome.message_vi
    report.check(
        "sổ mới đồng bộ xong, không xung đột",
        not pushed.failed and not outcome.failed and outcome.remaining == 0
        and pushed.conflicts == outcome.conflicts == 0 and pushed.rejected == 0
        and outcome.sent == 0 and service.pending_count() == 0,
        f"{pushed.message_vi} / {outcome.message_vi}",
    )  # fmt: skip
    report.check(
        "sổ mới biết cấp trên đã ghi nhận việc gộp ba xã cũ",
        not service.undeclared_merges() and "Cấp trên chưa ghi nhận" not in outcome.message_vi,
        outcome.message_vi,
    )
    held = server.held(NEW_CODE)
    with book.read() as session:
        mine = {
            table: len(session.scalars(select(SYNCED_MODELS[table].id)).all())
            for table in MERGED_TABLES
        }
    differs = [
        f"{t}: máy chủ {held.get(t, (0, 0))[0]}, sổ {n}"
        for t, n in mine.items()
        if held.get(t, (0, 0))[0] != n
    ]
    report.check(
        "máy chủ giữ đúng từng bảng của sổ mới dưới mã mới", not differs, "; ".join(differs)
    )
    report.server_persons = held.get("persons", (0, 0))[1]
    with book.read() as session:
        ours = set(session.scalars(select(Person.id).where(Person.deleted.is_(False))))
        extra_ids = {pid for a, b, why in report.extra_pairs if ID_RULE in why for pid in (a, b)}
        shared_numbers = set(
            session.scalars(select(Person.id_number).where(Person.id.in_(extra_ids)))
        )
    theirs = server.live_persons(NEW_CODE)
    counted = Counter(number for number in theirs.values() if number)
    repeated = {number for number, n in counted.items() if n > 1}
    expected_repeats = shared_numbers - {None}
    report.check(
        "máy chủ giữ mỗi trẻ một lần dưới mã mới",
        len(theirs) == len(ours) == children and set(theirs) == ours
        and repeated == expected_repeats,
        f"{len(theirs)} nhân khẩu còn hiệu lực trên máy chủ, {len(ours)} trong sổ (cần "
        f"{children}); số định danh có ở hai hồ sơ: {len(repeated)}, của các cặp có thể trùng "
        f"không xác nhận: {len(expected_repeats)}",
    )  # fmt: skip
    left = {
        code: sum(held_rows for t, (held_rows, _live) in server.held(code).items()
                  if t in MERGED_TABLES)
        for code, _name in FORMERS
    }  # fmt: skip
    report.check(
        "không còn nhân khẩu, hồ sơ nào dưới mã các xã cũ",
        not any(left.values()),
        ", ".join(f"{c}: {n}" for c, n in left.items()),
    )


# -- the page ----------------------------------------------------------------------------------


def _s(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} s"


def _n(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def section(report: MergeReport, sizes: Sequence[int], share: float, when: str) -> str:
    """The "Gộp sổ ba xã cũ" section of docs/performance.md."""
    names = " / ".join(_n(s) for s in sizes)
    pairs = sum(b.planted for b in report.books)
    lines = [
        SECTION_START,
        "## Gộp sổ ba xã cũ vào sổ xã mới (issue 17)",
        "",
        f"Đo bằng `.venv/bin/python -m tests.bench.merge_books`, {when}; ba sổ xã cũ mẫu "
        f"{names} trẻ (có dữ liệu bảo vệ trẻ em của bộ sinh dữ liệu mẫu), {share * 100:g} % số "
        f"trẻ ({_n(pairs)} trẻ) có ở hai sổ — nửa trùng số định danh, nửa không có số định "
        "danh mà trùng họ tên, ngày sinh và tên cha/mẹ. Mỗi sổ cũ đồng bộ lên máy chủ thật "
        f"(127.0.0.1, {report.backend}) dưới mã của nó rồi sao lưu (.stebak); sổ xã mới gộp "
        "lần lượt ba bản sao lưu, xác nhận đúng các cặp đã cài; cấp trên chạy `merge-communes`; "
        "sổ mới đăng ký và đồng bộ. Một lần đo, máy 2 lõi dùng chung với người khác.",
        "",
        "| Phép đo | Mục tiêu | Kết quả | Ghi chú |",
        "|---|---|---:|---|",
    ]
    for b in report.books:
        lines.append(
            f"| Gộp sổ xã cũ mã {b.code} ({_n(b.children)} trẻ, {_n(b.rows)} bản ghi) | — | "
            f"{_s(b.merge_s)} | Mở và kiểm tra bản sao lưu {_s(b.open_s)}, xem trước "
            f"{_s(b.preview_s)}, ghi {_s(b.apply_s)} (gồm sao lưu sổ mới trước khi gộp). "
            f"{_n(b.created)} bản ghi chép sang; {b.planted} cặp đã cài, {b.listed} cặp liệt "
            f"kê, thiếu {b.missing}, thêm {b.extra}. |"
        )
    lines.append(
        f"| Gộp cả ba sổ | ≤ {TARGET_S:.0f} s | {_s(report.merge_total_s)} | Tổng ba lần mở, "
        "xem trước và ghi. |"
    )
    lines.append(
        f"| Gộp lại ba bản sao lưu đó | — | {_s(report.second_run_s)} | Không tạo gì: sổ không "
        "thay đổi. |"
    )
    for b in report.books:
        if b.sync_s is not None:
            lines.append(
                f"| Sổ xã cũ mã {b.code}: đồng bộ lần đầu dưới mã của nó | — | {_s(b.sync_s)} | "
                f"{_n(b.sync_sent)} bản ghi gửi; sao lưu sau đó {_s(b.backup_s)}. |"
            )
    if report.declare_s is not None:
        lines.append(
            f"| Máy chủ: `merge-communes` ba xã cũ vào xã mới | — | {_s(report.declare_s)} | "
            "Gồm khởi động lệnh (tiến trình mới). |"
        )
        lines.append(
            f"| Sổ mới: đăng ký và đồng bộ lần đầu sau khi gộp | — | {_s(report.new_sync_s)} | "
            f"Đăng ký và gửi {_s(report.new_push_s)}: {_n(report.new_sync_sent)} bản ghi "
            f"(chỉ phần việc gộp làm thay đổi); nhận về {_n(report.new_sync_received)}; "
            f"{report.new_sync_bytes / 1e6:.2f} MB; máy chủ giữ {_n(report.server_persons)} "
            "nhân khẩu dưới mã mới, mỗi trẻ một lần. |"
        )
    lines.append(
        f"| Bộ nhớ đỉnh của tiến trình đo | — | {report.peak_mib:,.0f} MiB | Cả lúc dựng sổ mẫu "
        "nếu chưa có trong bộ nhớ đệm. |".replace(",", " ")
    )
    extra = len(report.extra_pairs)
    if extra:
        by_id = sum(1 for _a, _b, why in report.extra_pairs if ID_RULE in why)
        lines += [
            "",
            f"Ngoài các cặp đã cài, bản xem trước liệt kê thêm {extra} cặp có thể trùng ({by_id} "
            "cặp trùng số định danh): bộ sinh dữ liệu mẫu cấp số định danh ngẫu nhiên nên hai "
            "trẻ khác nhau ở hai sổ đôi khi trùng số. Các cặp đó không được xác nhận; sổ mới và "
            "máy chủ giữ cả hai hồ sơ.",
        ]
    if report.new_sync_received > report.new_sync_sent:
        lines += [
            "",
            f"Lần đồng bộ đầu của sổ mới nhận về {_n(report.new_sync_received)} bản ghi: "
            "`merge-communes` cho mỗi bản ghi chuyển sang mã mới một số thứ tự thay đổi mới "
            "của xã mới, nên sổ mới tải về cả những bản ghi nó đã có (cùng phiên bản, không "
            "ghi lại).",
        ]
    lines += ["", "Số dòng từng bảng (tổng ba sổ cũ → sổ mới):", ""]
    lines += ["| Bảng | Ba sổ cũ | Sổ mới | Chênh lệch |", "|---|---:|---:|---|"]
    lines += [f"| {t} | {_n(a)} | {_n(b)} | {why} |" for t, a, b, why in report.table_rows]
    lines += ["", "Kiểm tra:", ""]
    for name, ok, detail in report.checks:
        lines.append(f"- đạt: {name}" if ok else f"- **KHÔNG ĐẠT**: {name} ({detail})")
    lines.append(SECTION_END)
    return "\n".join(lines)


def write_section(path: Path, text: str) -> None:
    """Put the section in ``path`` (replacing an older one, else at the end)."""
    page = path.read_text(encoding="utf-8") if path.exists() else ""
    pattern = re.escape(SECTION_START) + ".*?" + re.escape(SECTION_END)
    if re.search(pattern, page, re.S):
        page = re.sub(pattern, lambda _m: text, page, flags=re.S)
    else:
        page = page.rstrip("\n") + "\n\n" + text + "\n"
    path.write_text(page, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    from tests.conftest import travel_to

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", default=",".join(str(s) for s in DEFAULT_SIZES))
    parser.add_argument("--share", type=float, default=DEFAULT_SHARE)
    parser.add_argument("--quick", action="store_true", help="without the server")
    parser.add_argument("--pg", help="the server on this PostgreSQL database (emptied first)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--cache", type=Path, default=CACHE)
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    if args.pg:
        from tests.unit.core.sync.conftest import drop_everything

        drop_everything(args.pg)
    with travel_to(TODAY):
        report = run(
            sizes, args.share, cache=args.cache, server=not args.quick, db_url=args.pg,
            log=lambda text: print(f"[gộp sổ] {text}", flush=True),
        )  # fmt: skip
    for name, ok, detail in report.checks:
        print(f"  {'đạt' if ok else 'KHÔNG ĐẠT'}: {name}" + (f" — {detail}" if detail else ""))
    when = f"{datetime.now():%d/%m/%Y %H:%M}"
    write_section(args.output, section(report, sizes, args.share, when))
    print(f"Đã ghi {args.output}")
    return 0 if report.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
