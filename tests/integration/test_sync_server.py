"""The real server process and the real client: enroll, push, replay, refuse, survive a restart."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from sync.client import AuthRefused, ServerUnreachable, SyncClient
from sync.protocol import PushRequest, RecordItem
from tests.integration.conftest import ServerProcess

COMMUNE = "12345"
OTHER_COMMUNE = "54321"


def _item(table: str = "persons", **changes: object) -> RecordItem:
    values: dict[str, object] = {
        "table": table,
        "id": str(uuid.uuid4()),
        "version": 1,
        "base_version": 0,
        "updated_at": datetime(2025, 3, 1, 1, 0, tzinfo=UTC),
        "updated_by": "can-bo-xa",
        "data": {"full_name": "Phạm Thị Hồng Nhung", "sex": 2016},
    }
    values.update(changes)
    return RecordItem.model_validate(values)


def _batch(device_id: str, *items: RecordItem, commune: str = COMMUNE) -> PushRequest:
    return PushRequest(
        batch_id=str(uuid.uuid4()), commune_code=commune, device_id=device_id, items=list(items)
    )


@dataclass(frozen=True)
class Device:
    """An enrolled device: its id and a client carrying its token."""

    id: str
    client: SyncClient


def _enrolled(server: ServerProcess, commune: str, name: str) -> Device:
    code = server.issue_enrollment_code(commune)
    answer = SyncClient(server.url).enroll(code, commune, name)
    assert answer.commune_code == commune
    return Device(answer.device_id, SyncClient(server.url, answer.token, timeout=(5, 15)))


def _counts(server: ServerProcess, commune: str = COMMUNE) -> dict[str, dict[str, int]]:
    tables: dict[str, dict[str, int]] = server.commune_summary(commune)["tables"]
    return tables


def test_enroll_push_replay_and_refuse(sync_server: ServerProcess) -> None:
    assert SyncClient(sync_server.url).info().protocol_version == 1
    device = _enrolled(sync_server, COMMUNE, "Máy UBND xã")
    client = device.client
    request = _batch(
        device.id,
        _item(),
        _item(),
        _item("hamlets", data={"name": "Thôn Thượng"}),
        _item("households", data={"number": "HK-01"}),
    )
    first = client.push(request)
    assert first.statuses == "aaaa"
    counts = _counts(sync_server)
    assert counts["hamlets"] == {"live": 1, "deleted": 0}
    assert counts["households"] == {"live": 1, "deleted": 0}
    assert counts["persons"] == {"live": 2, "deleted": 0}
    assert sum(c["live"] + c["deleted"] for c in counts.values()) == 4

    # The answer was lost, say: the same batch again is answered identically, once stored.
    again = client.push(request)
    assert again == first
    assert again.model_dump_json() == first.model_dump_json()
    summary = sync_server.commune_summary(COMMUNE)
    assert summary["tables"]["persons"] == {"live": 2, "deleted": 0}
    assert summary["devices"] == 1
    assert summary["last_push_at"] is not None

    # A device of another commune cannot write into this one.
    stranger = _enrolled(sync_server, OTHER_COMMUNE, "Máy xã khác")
    with pytest.raises(AuthRefused) as refused:
        stranger.client.push(_batch(stranger.id, _item()))
    assert refused.value.status_code == 403
    assert OTHER_COMMUNE in refused.value.message_vi
    assert _counts(sync_server)["persons"] == {"live": 2, "deleted": 0}
    assert _counts(sync_server, OTHER_COMMUNE)["persons"] == {"live": 0, "deleted": 0}

    # An enrollment code works once.
    code = sync_server.issue_enrollment_code(COMMUNE)
    SyncClient(sync_server.url).enroll(code, COMMUNE, "Máy 2")
    with pytest.raises(AuthRefused):
        SyncClient(sync_server.url).enroll(code, COMMUNE, "Máy 3")


def test_offline_push_succeeds_after_restart_and_nothing_is_lost(
    sync_server: ServerProcess,
) -> None:
    device = _enrolled(sync_server, COMMUNE, "Máy UBND xã")
    client, device_id = device.client, device.id
    before = client.push(_batch(device_id, _item(), _item()))
    assert before.statuses == "aa"

    sync_server.stop()
    pending = _batch(device_id, _item(), _item("hamlets", data={"name": "Thôn Hạ"}))
    with pytest.raises(ServerUnreachable) as offline:
        client.push(pending)
    assert "thử lại sau" in offline.value.message_vi

    sync_server.start()  # same port, same database file
    after = client.push(pending)
    assert after.statuses == "aa"
    assert client.push(pending) == after  # and a retry of it is still harmless
    counts = _counts(sync_server)
    assert counts["persons"] == {"live": 3, "deleted": 0}
    assert counts["hamlets"] == {"live": 1, "deleted": 0}
