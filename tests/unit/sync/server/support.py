"""Builders of protocol payloads shared by the server tests."""

from __future__ import annotations

import gzip
import json
import uuid
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response


@dataclass(frozen=True)
class EnrolledDevice:
    """A device enrolled through the real /enroll endpoint."""

    device_id: str
    token: str
    commune_code: str

    @property
    def headers(self) -> dict[str, str]:
        """The Authorization header of this device."""
        return {"Authorization": f"Bearer {self.token}"}


def new_id() -> str:
    """A fresh canonical UUID."""
    return str(uuid.uuid4())


def item(**overrides: Any) -> dict[str, Any]:
    """A valid new person row (version 1 on a fresh id), with ``overrides`` applied."""
    base: dict[str, Any] = {
        "table": "persons",
        "id": new_id(),
        "version": 1,
        "base_version": 0,
        "deleted": False,
        "updated_at": "2025-03-01T08:00:00+07:00",
        "updated_by": "can-bo-xa",
        "data": {"full_name": "Nguyễn Thị Ánh", "sex": 2015, "birth_registered": True},
    }
    base.update(overrides)
    return base


def batch(device: EnrolledDevice, *items: Any, **overrides: Any) -> dict[str, Any]:
    """A push body for ``device`` carrying ``items`` (fresh batch id unless overridden)."""
    body: dict[str, Any] = {
        "protocol_version": 1,
        "batch_id": new_id(),
        "commune_code": device.commune_code,
        "device_id": device.device_id,
        "items": list(items),
    }
    body.update(overrides)
    return body


def push(
    http: TestClient,
    device: EnrolledDevice,
    body: dict[str, Any],
    *,
    commune: str | None = None,
    compress: bool = True,
) -> Response:
    """POST ``body`` to the device's commune (or ``commune``), gzip-compressed by default."""
    raw = json.dumps(body, ensure_ascii=False).encode("utf-8")
    headers = {**device.headers, "Content-Type": "application/json"}
    if compress:
        raw = gzip.compress(raw)
        headers["Content-Encoding"] = "gzip"
    path = f"/api/v1/communes/{commune or device.commune_code}/push"
    response: Response = http.post(path, content=raw, headers=headers)
    return response


_LETTERS = {"a": "applied", "d": "duplicate", "c": "conflict", "r": "rejected"}


def expand(answer: dict[str, Any], items: list[Any] | None = None) -> list[dict[str, Any]]:
    """The compact push answer as one dict per item, as PushResponse.results() expands it."""
    problems = {p["index"]: p for p in answer.get("problems", [])}
    results: list[dict[str, Any]] = []
    for index, letter in enumerate(answer["statuses"]):
        detail = problems.get(index)
        if detail is not None:
            results.append({"server_version": None, **detail})
            continue
        sent = items[index] if items is not None and isinstance(items[index], dict) else {}
        results.append(
            {
                "index": index,
                "status": _LETTERS[letter],
                "table": sent.get("table"),
                "id": sent.get("id"),
                "server_version": sent.get("version"),
            }
        )
    return results


def sent_items(response: Response) -> list[Any]:
    """The items of the push request that got ``response``."""
    raw = response.request.content
    if response.request.headers.get("content-encoding") == "gzip":
        raw = gzip.decompress(raw)
    items: list[Any] = json.loads(raw)["items"]
    return items
