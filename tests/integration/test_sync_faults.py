"""Sync through a hostile link: nothing lost, nothing twice, every conflict surfaced.

Hundreds of seeded scenarios run against one real server process (restarted now and then in
the middle of a batch) behind the fault-injecting proxy of ``faults.py``. Each scenario: one
or two commune computers (books) of a fresh commune make random creations, edits and
deletions, sometimes with their clock a day off, while upstream sometimes corrects a record;
they sync through faults for a bounded number of attempts; then the faults stop, conflicts
are resolved (mine, theirs or a typed value, field by field) and a clean sync runs. Then:

- each book holds exactly what the server holds (ids, versions, tombstones, every field);
- the server holds exactly the rows the books created (none lost, none duplicated);
- every local edit either reached the server or became a conflict a person resolved.
"""

from __future__ import annotations

import os
import random
import shutil
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from desktop.core.domain.roles import Role
from desktop.core.domain.text import fold
from desktop.core.services.book import Book, CurrentUser
from desktop.core.storage import base as storage_base
from desktop.core.storage import tracking
from desktop.core.storage.engine import make_engine
from desktop.core.storage.keyfile import KeyFile
from desktop.core.storage.models import (
    SYNCED_MODELS,
    GuardianLink,
    Hamlet,
    Household,
    Person,
    SyncConflict,
)
from desktop.core.sync_service import FieldChoice, SyncService
from sync.client import SyncClient
from sync.retry import RetryPolicy
from sync.server.db import make_engine as server_engine
from sync.server.db import make_session_factory
from sync.server.services import corrections, enrollment, summary, users
from tests.integration.conftest import ServerProcess
from tests.integration.faults import FaultyProxy
from tests.unit.core.sync.conftest import drop_everything
from tests.unit.core.sync.helpers import PASSWORD, assert_same_as_server, new_book

# Long fault and kill scenarios: their code is covered by faster tests, and tracing them
# for coverage would double the suite's time.
pytestmark = pytest.mark.no_cover

PG_URL = os.environ.get("SOTREEM_TEST_PG_URL", "")
SCENARIOS = {"sqlite": 300, "postgres": 40}
FAULTY_ATTEMPTS = 4
CLEAN_ROUNDS = 8
WEIGHTS = {
    "pass": 5,
    "delay": 1,
    "cut_request": 1.5,
    "cut_response": 2,
    "repeat": 1,
    "error_before": 1,
    "error_after": 1.5,
    "restart": 0.01,
}
RETRY = RetryPolicy(attempts=4, base_delay=0.005, max_delay=0.02)
TIMEOUT = (5.0, 15.0)


# -- the world of one backend ------------------------------------------------------------------


@dataclass
class World:
    """One server process, its database seen from the test, the proxy, a template book."""

    server: ServerProcess
    sessions: sessionmaker[Session]
    template: Path
    master_key: bytes
    key_file: KeyFile
    folder: Path
    upstream: users.UserInfo


def _fast_folder(factory: pytest.TempPathFactory, name: str) -> Path:
    # Both sides write with synchronous=FULL; on a RAM disk the fsyncs cost nothing, and
    # the suite tests the protocol, not the disk.
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        return Path(tempfile.mkdtemp(prefix=f"sotreem-{name}-", dir=shm))
    return factory.mktemp(name)


def _restart(server: ServerProcess) -> Callable[[], None]:
    def restart() -> None:
        server.kill()
        server.start()

    return restart


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    """A running server and a template book, shared by the scenarios of one backend."""
    if request.param == "postgres":
        if not PG_URL:
            pytest.skip("SOTREEM_TEST_PG_URL is not set")
        drop_everything(PG_URL)
    folder = _fast_folder(tmp_path_factory, f"faults-{request.param}")
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"
    server = ServerProcess(folder, PG_URL if request.param == "postgres" else None)
    server.start()
    engine = server_engine(server.db_url)
    sessions = make_session_factory(engine)
    template_book = new_book(folder / "template")
    template = Path(template_book.path)
    template_book.close()
    key_file = KeyFile.load(template.with_name("so-tre-em.keys.json"))
    master_key = key_file.unlock("admin", PASSWORD)
    upstream = users.create_user(sessions, "canbo.tinh", "Cán bộ tỉnh", "mat-khau-tinh-1", "*")
    try:
        yield World(server, sessions, template, master_key, key_file, folder, upstream)
    finally:
        server.stop()
        engine.dispose()
        if request.param == "postgres":
            drop_everything(PG_URL)
        shutil.rmtree(folder, ignore_errors=True)


def _open_copy(world: World, name: str, commune: str) -> Book:
    """A fresh empty book (a copy of the template) for ``commune``, without Argon2 again."""
    target = world.folder / "books" / name / "so-tre-em.db"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(world.template, target)
    engine = make_engine(target, world.master_key)
    with engine.begin() as conn:
        conn.execute(text("UPDATE commune_settings SET commune_code = :c"), {"c": commune})
        user_id = conn.execute(text("SELECT id FROM users WHERE username = 'admin'")).scalar_one()
    user = CurrentUser(user_id, "admin", "Cán bộ xã", Role.ADMIN)
    return Book(target, engine, user, world.key_file)


# -- a client computer ------------------------------------------------------------------------


class Clock:
    """Shifts the book's clock (``utcnow``) by a fixed offset while one device works."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.offset = timedelta(0)
        real = storage_base.utcnow

        def shifted() -> datetime:
            return real() + self.offset

        # Every module that took ``utcnow`` by name (storage, tracking, the sync service's
        # modules) gets the shifted one.
        for name, module in list(sys.modules.items()):
            if name.startswith("desktop.") and getattr(module, "utcnow", None) is real:
                monkeypatch.setattr(module, "utcnow", shifted)


@dataclass
class Device:
    """One commune computer of a scenario."""

    name: str
    book: Book
    service: SyncService
    clock_offset: timedelta
    created: set[tuple[str, str]] = field(default_factory=set)
    # Last local edit of each row: the version it made; delivered once the server took it.
    edits: dict[tuple[str, str], int] = field(default_factory=dict)
    delivered: set[tuple[str, str]] = field(default_factory=set)


_FIELDS: dict[str, list[str]] = {
    "hamlets": ["name", "collaborator_name"],
    "households": ["number", "head_name", "address", "phone", "poverty_code"],
    "persons": ["full_name", "notes", "sex", "birth_date", "id_number", "school_name"],
    "guardian_links": ["full_name", "phone", "parent_status"],
}
_TEXT_FIELDS = {"full_name", "notes", "name", "head_name", "address", "school_name",
                "collaborator_name"}  # fmt: skip
_SYLLABLES = ["An", "Bình", "Chi", "Dũng", "Đức", "Hà", "Hòa", "Lan", "Minh", "Ngọc", "Phúc",
              "Quang", "Sơn", "Thảo", "Trang", "Tuấn", "Vy", "Yến"]  # fmt: skip


def _name(rng: random.Random) -> str:
    return " ".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4)))


def _new_value(rng: random.Random, name: str) -> Any:
    if name == "sex":
        return rng.choice([1, 2, 3])
    if name == "birth_date":
        return date(2010, 1, 1) + timedelta(days=rng.randint(0, 5000))
    if name == "id_number":
        return rng.choice([None, "".join(rng.choice("0123456789") for _ in range(12))])
    if name == "poverty_code":
        return rng.choice(["HN01", "HN02", "HN03"])
    if name == "parent_status":
        return rng.choice(["alive", "deceased", "missing", "unknown"])
    if name == "phone":
        return "09" + "".join(rng.choice("0123456789") for _ in range(8))
    if name == "number":
        return str(rng.randint(1, 999))
    return _name(rng)


def _set(row: Any, name: str, value: Any) -> None:
    setattr(row, name, value)
    if name in ("name", "full_name"):
        row.name_key = fold(value)
    if name == "head_name":
        row.head_name_key = fold(value)


def random_work(device: Device, rng: random.Random, clock: Clock, count: int) -> None:
    """``count`` random creations, edits and deletions on the device's book."""
    clock.offset = device.clock_offset
    try:
        with device.book.transaction() as session:
            for _ in range(count):
                _one_change(device, session, rng)
        _note_versions(device)
    finally:
        clock.offset = timedelta(0)


def _one_change(device: Device, session: Session, rng: random.Random) -> None:
    # Ordered by id, so that a scenario replays identically (see the clock test).
    hamlets = list(session.scalars(select(Hamlet).order_by(Hamlet.id)))
    households = list(session.scalars(select(Household).order_by(Household.id)))
    persons = list(session.scalars(select(Person).order_by(Person.id)))
    links = list(session.scalars(select(GuardianLink).order_by(GuardianLink.id)))
    existing: list[tuple[str, Any]] = (
        [("hamlets", h) for h in hamlets]
        + [("households", h) for h in households]
        + [("persons", p) for p in persons]
        + [("guardian_links", g) for g in links]
    )
    kind = rng.random()
    if not hamlets or kind < 0.12:
        row: Any = Hamlet(id=str(uuid.UUID(int=rng.getrandbits(128))), name=_name(rng))
        row.name_key = fold(row.name)
        session.add(row)
        table = "hamlets"
        device.created.add((table, row.id))
    elif kind < 0.3 or not households:
        row = Household(
            id=str(uuid.UUID(int=rng.getrandbits(128))),
            hamlet_id=rng.choice(hamlets).id,
            number=str(rng.randint(1, 999)),
            head_name=_name(rng),
        )
        row.head_name_key = fold(row.head_name)
        session.add(row)
        table = "households"
        device.created.add((table, row.id))
    elif kind < 0.5:
        row = Person(
            id=str(uuid.UUID(int=rng.getrandbits(128))),
            household_id=rng.choice(households).id,
            full_name=_name(rng),
            birth_date=_new_value(rng, "birth_date"),
            sex=rng.choice([1, 2]),
        )
        row.name_key = fold(row.full_name)
        session.add(row)
        table = "persons"
        device.created.add((table, row.id))
    elif kind < 0.6 and persons:
        row = GuardianLink(
            id=str(uuid.UUID(int=rng.getrandbits(128))),
            child_id=rng.choice(persons).id,
            full_name=_name(rng),
            role=rng.choice(["father", "mother", "guardian"]),
        )
        session.add(row)
        table = "guardian_links"
        device.created.add((table, row.id))
    elif kind < 0.9:
        table, row = rng.choice(existing)
        for name in rng.sample(_FIELDS[table], rng.randint(1, 2)):
            _set(row, name, _new_value(rng, name))
    else:
        table, row = rng.choice(existing)
        row.deleted = not row.deleted
    session.flush()
    device.edits[(table, row.id)] = row.version
    device.delivered.discard((table, row.id))


def _note_versions(device: Device) -> None:
    # Versions are final only after the flush hook ran; read them back.
    with device.book.read() as session:
        for (table, row_id), _version in list(device.edits.items()):
            row = session.get(SYNCED_MODELS[table], row_id)
            if row is not None and (table, row_id) not in device.delivered:
                device.edits[(table, row_id)] = row.version


def _check_delivered(device: Device) -> None:
    with device.book.read() as session:
        for key, version in device.edits.items():
            row = session.get(SYNCED_MODELS[key[0]], key[1])
            if row is not None and row.synced_version >= version:
                device.delivered.add(key)


def sync_through_faults(device: Device, clock: Clock, attempts: int) -> None:
    """Sync until it goes through or ``attempts`` runs out (the faults may win)."""
    clock.offset = device.clock_offset
    try:
        for _ in range(attempts):
            outcome = device.service.sync()
            _check_delivered(device)
            if not outcome.offline and not outcome.failed:
                return
    finally:
        clock.offset = timedelta(0)


def resolve_everything(device: Device, rng: random.Random) -> int:
    """Resolve every open conflict field by field with random choices; how many."""
    resolved = 0
    for summary_row in device.service.conflicts():
        detail = device.service.conflict(summary_row.id)
        choices: dict[str, FieldChoice] = {}
        for diff in detail.fields:
            if not diff.differs:
                continue
            pick = rng.choice(["mine", "theirs", "edit"])
            if pick == "edit" and diff.field in _TEXT_FIELDS:
                choices[diff.field] = FieldChoice("edit", f"{diff.mine} / {diff.theirs}"[:180])
            else:
                choices[diff.field] = FieldChoice("theirs" if pick == "theirs" else "mine")
        device.service.resolve_conflict(summary_row.id, choices)
        resolved += 1
    return resolved


def _conflicted_rows(device: Device) -> set[tuple[str, str]]:
    with device.book.read() as session:
        return {(c.table_name, c.row_id) for c in session.scalars(select(SyncConflict))}


def upstream_correction(world: World, commune: str, rng: random.Random) -> None:
    """An upstream officer corrects a random person or household the server holds."""
    records = [
        r
        for r in summary.commune_records(world.sessions, commune)
        if r["table"] in ("persons", "households")
    ]
    if not records:
        return
    record = rng.choice(records)
    name = "notes" if record["table"] == "persons" else "address"
    corrections.correct(
        world.sessions,
        world.upstream,
        commune_code=commune,
        table=record["table"],
        record_id=record["id"],
        changes={name: f"Cấp trên sửa {rng.randint(1, 10**6)}"},
    )


# -- the scenarios ----------------------------------------------------------------------------


def run_scenario(
    world: World,
    seed: int,
    clock: Clock,
    backend: str,
    *,
    faults: bool = True,
    clock_offset: timedelta | None = None,
    commune: str | None = None,
    held_out: dict[str, Any] | None = None,
) -> dict[str, int]:
    """One seeded scenario; raises AssertionError if anything was lost or duplicated.

    ``clock_offset`` puts every device's clock that far off (instead of a random skew);
    ``held_out`` receives what the server holds at the end.
    """
    rng = random.Random(seed)
    commune = commune or f"{(10000 + seed + (50000 if backend == 'postgres' else 0)) % 100000:05d}"
    skew = [timedelta(0), timedelta(days=1), timedelta(days=-1)]
    devices: list[Device] = []
    for index in range(rng.choice([1, 2, 2])):
        book = _open_copy(world, f"{backend}-{seed}-{index}", commune)
        service = SyncService(
            book,
            lambda url, token, ca: SyncClient(url, token, ca_bundle=ca, timeout=TIMEOUT),
            retry=RETRY,
            rng=random.Random(seed * 7 + index),
            batch_size=rng.choice([25, 50, 200]),
            pull_limit=rng.choice([7, 50, 500]),
        )
        offset = rng.choice(skew)
        chosen = offset if clock_offset is None else clock_offset
        devices.append(Device(f"máy {index}", book, service, chosen))
    restart = _restart(world.server)
    try:
        # Every tenth scenario kills and restarts the server in the middle of an upload (a
        # restart costs a second or two, so not more often); the others may, rarely, too.
        with FaultyProxy(
            lambda: world.server.port,
            seed,
            weights=WEIGHTS,
            restart=restart,
            max_delay_s=0.05,
            restart_at_push=1 + seed % 3 if seed % 10 == 0 else None,
        ) as proxy:
            proxy.enabled = faults
            for device in devices:
                device.service.enroll(
                    world.server.url, enrollment.issue_code(world.sessions, commune)
                )
                with device.book.transaction() as session:
                    # Enrolled directly; every sync from now on goes through the faults.
                    session.info[tracking.SYNC_APPLY] = True
                    session.execute(text("UPDATE commune_settings SET upstream_url = :u"),
                                    {"u": proxy.url})  # fmt: skip
            for _round in range(rng.randint(1, 3)):
                for device in devices:
                    random_work(device, rng, clock, rng.randint(1, 12))
                    sync_through_faults(device, clock, FAULTY_ATTEMPTS)
                if rng.random() < 0.3:
                    upstream_correction(world, commune, rng)
            proxy.enabled = False
            resolved = 0
            for _ in range(CLEAN_ROUNDS):
                for device in devices:
                    outcome = device.service.sync()
                    assert not outcome.offline and not outcome.failed, outcome.message_vi
                    _check_delivered(device)
                open_conflicts = sum(resolve_everything(d, rng) for d in devices)
                resolved += open_conflicts
                statuses = [d.service.status() for d in devices]
                if not open_conflicts and all(
                    s.pending == 0 and s.conflicts == 0 and s.errors == 0 and not s.received_waiting
                    for s in statuses
                ):
                    break
            else:
                pytest.fail(f"seed {seed}: did not converge: {statuses}")
            for device in devices:  # everyone reads the last resolutions
                device.service.sync()
            held = {
                (r["table"], r["id"]): r for r in summary.commune_records(world.sessions, commune)
            }
            if held_out is not None:
                held_out.update(held)
            for device in devices:
                assert_same_as_server(device.book, held)
            created = set().union(*(d.created for d in devices))
            assert set(held) == created, f"seed {seed}: server rows ≠ rows created"
            for device in devices:
                conflicted = _conflicted_rows(device)
                lost = [
                    key
                    for key in device.edits
                    if key not in device.delivered and key not in conflicted
                ]
                assert not lost, f"seed {seed}: edits of {device.name} lost silently: {lost}"
            return {**proxy.stats.faults, "conflicts resolved": resolved}
    finally:
        for device in devices:
            device.book.close()


CHUNK = 20


@pytest.mark.slow
@pytest.mark.parametrize("chunk", range(max(SCENARIOS.values()) // CHUNK))
def test_seeded_fault_scenarios(
    world: World, chunk: int, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = request.node.callspec.params["world"]
    if chunk * CHUNK >= SCENARIOS[backend]:
        pytest.skip(f"{SCENARIOS[backend]} scenarios on {backend}")
    clock = Clock(monkeypatch)
    faults: dict[str, int] = {}
    for seed in range(chunk * CHUNK, (chunk + 1) * CHUNK):
        for name, count in run_scenario(world, seed, clock, backend).items():
            faults[name] = faults.get(name, 0) + count
    # Each group of scenarios really exercised every kind of fault.
    expected = {"pass", "delay", "cut_request", "cut_response", "repeat", "error_before",
                "error_after", "restart"}  # fmt: skip
    assert expected <= {name for name, count in faults.items() if count}, faults
    # … and overlapping edits really happened, and were all resolved by a person.
    assert faults["conflicts resolved"] > 0, faults


@pytest.mark.slow
def test_a_client_clock_a_day_off_changes_nothing(
    world: World, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = request.node.callspec.params["world"]
    if backend != "sqlite":
        pytest.skip("the clock is the client's: one server backend is enough")
    clock = Clock(monkeypatch)
    for seed in (3, 11, 17, 24, 38):
        outcomes = []
        for n, offset in enumerate((timedelta(0), timedelta(days=1), timedelta(days=-1))):
            held: dict[str, Any] = {}
            run_scenario(
                world,
                seed,
                clock,
                backend,
                faults=False,
                clock_offset=offset,
                commune=f"{90000 + seed * 3 + n:05d}",
                held_out=held,
            )
            # Everything the server holds but the devices' own clock stamps.
            outcomes.append(
                {key: (r["version"], r["deleted"], r["data"]) for key, r in held.items()}
            )
        assert outcomes[0] and outcomes[0] == outcomes[1] == outcomes[2], f"seed {seed}"
