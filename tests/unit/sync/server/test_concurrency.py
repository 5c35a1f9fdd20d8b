"""Pushes arriving at the same time: nothing lost, numbered once, one answer per batch."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from sync.protocol import PushHeader
from sync.server.models import Batch, Record
from sync.server.services import push
from sync.server.services.enrollment import DeviceIdentity
from tests.unit.sync.server.support import EnrolledDevice, item, new_id


def _header(device: EnrolledDevice, batch_id: str) -> PushHeader:
    return PushHeader(batch_id=batch_id, commune_code="12345", device_id=device.device_id)


def test_parallel_batches_are_all_applied_with_distinct_numbers(
    device: EnrolledDevice, sessions: sessionmaker[Session]
) -> None:
    identity = DeviceIdentity(device.device_id, "12345", "Máy xã")
    batches = [[item() for _ in range(5)] for _ in range(8)]

    def send(items: list[dict[str, object]]) -> str:
        return push.push(sessions, identity, _header(device, new_id()), list(items))

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(send, batches))
    assert all('"status":"rejected"' not in a and '"status":"conflict"' not in a for a in answers)
    with sessions() as session:
        seqs = sorted(session.execute(select(Record.seq)).scalars())
    assert seqs == list(range(1, 41))


def test_the_same_batch_sent_twice_at_once_is_applied_once(
    device: EnrolledDevice, sessions: sessionmaker[Session]
) -> None:
    identity = DeviceIdentity(device.device_id, "12345", "Máy xã")
    items = [item() for _ in range(10)]
    batch_id = new_id()

    def send(_: int) -> str:
        return push.push(sessions, identity, _header(device, batch_id), list(items))

    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(send, range(4)))
    assert len(set(answers)) == 1
    with sessions() as session:
        assert session.execute(select(func.count()).select_from(Record)).scalar_one() == 10
        assert session.execute(select(func.count()).select_from(Batch)).scalar_one() == 1
