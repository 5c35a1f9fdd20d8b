"""Hostile requests against the real server process (uvicorn on 127.0.0.1): issue 20.

Each bad push gets an answer (no reset connection), and the server's log holds one line for
a client that drops mid-upload, never a traceback.
"""

from __future__ import annotations

import json
import socket
import time
import uuid

import requests

from tests.integration.conftest import ServerProcess


def _enrol(server: ServerProcess) -> tuple[str, dict[str, str]]:
    code = server.issue_enrollment_code("12345")
    body = {"code": code, "commune_code": "12345", "device_name": "Máy xã"}
    answer = requests.post(server.url + "/api/v1/enroll", json=body, timeout=10).json()
    return answer["device_id"], {"Authorization": f"Bearer {answer['token']}"}


def _item(**overrides: object) -> dict[str, object]:
    base: dict[str, object] = {
        "table": "persons", "id": str(uuid.uuid4()), "version": 1, "base_version": 0,
        "updated_at": "2026-01-01T08:00:00+07:00", "updated_by": "can-bo", "data": {"sex": 1},
    }  # fmt: skip
    base.update(overrides)
    return base


def test_hostile_pushes_get_answers_and_the_log_no_traceback(sync_server: ServerProcess) -> None:
    device_id, headers = _enrol(sync_server)
    for bad in (
        {"updated_at": "9999-12-31T23:59:59-23:59"},
        {"updated_at": "0001-01-01T00:00:00+23:59"},
        {"updated_at": "2026-01-01T00:00:00"},
        {"updated_by": "\ud800"},
    ):
        body = {"batch_id": str(uuid.uuid4()), "commune_code": "12345",
                "device_id": device_id, "items": [_item(**bad), _item()]}  # fmt: skip
        answer = requests.post(
            sync_server.url + "/api/v1/communes/12345/push",
            data=json.dumps(body).encode("ascii"),  # \ud800 as the JSON escape
            headers={**headers, "Content-Type": "application/json"},
            timeout=10,
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["statuses"] == "ra"
    assert "Traceback" not in sync_server.log()


def test_a_client_dropping_mid_upload_is_one_log_line(sync_server: ServerProcess) -> None:
    _device_id, headers = _enrol(sync_server)
    with socket.create_connection(("127.0.0.1", sync_server.port), timeout=5) as sock:
        head = (
            "POST /api/v1/communes/12345/push HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: {headers['Authorization']}\r\n"
            "Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
        )
        sock.sendall(head.encode("ascii") + b'{"batch_id": "' + b"x" * 5000)
        time.sleep(0.5)
    deadline = time.monotonic() + 10
    while "disconnected" not in sync_server.log() and time.monotonic() < deadline:
        time.sleep(0.1)
    log = sync_server.log()
    assert "disconnected" in log, log
    assert "Traceback" not in log, log
    assert requests.get(sync_server.url + "/api/v1/info", timeout=5).status_code == 200
