"""HTTP concerns: gzip bodies and their size cap, protocol version, error bodies, OpenAPI."""

from __future__ import annotations

import gzip
import json
import zlib
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from sync.protocol import PROTOCOL_VERSION, ErrorBody, ServerInfo
from sync.server.app import create_app
from sync.server.settings import DEFAULT_MAX_BODY_BYTES, ServerSettings
from tests.unit.sync.server.support import EnrolledDevice, batch, item, push


def _post_raw(
    http: TestClient, device: EnrolledDevice, raw: bytes, encoding: str | None = "gzip"
) -> tuple[int, dict[str, str]]:
    headers = {**device.headers, "Content-Type": "application/json"}
    if encoding:
        headers["Content-Encoding"] = encoding
    response = http.post("/api/v1/communes/12345/push", content=raw, headers=headers)
    body = response.json()
    if response.status_code != 200:
        ErrorBody.model_validate(body)
    return response.status_code, body


def _gzip_of_zeros(size: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = b"0" * (1024 * 1024)
    parts = [packer.compress(block) for _ in range(size // len(block))]
    parts.append(packer.flush())
    return b"".join(parts)


def test_info(http: TestClient) -> None:
    response = http.get("/api/v1/info")
    assert response.status_code == 200
    info = ServerInfo.model_validate_json(response.content)
    assert info.protocol_version == PROTOCOL_VERSION
    assert info.server_time.utcoffset() is not None
    assert info.name


@pytest.mark.parametrize("compress", [True, False])
def test_gzip_and_plain_bodies_are_accepted(
    http: TestClient, device: EnrolledDevice, compress: bool
) -> None:
    response = push(http, device, batch(device, item()), compress=compress)
    assert response.status_code == 200
    assert response.json()["statuses"] == "a"


def test_multi_member_gzip_is_accepted(http: TestClient, device: EnrolledDevice) -> None:
    raw = json.dumps(batch(device, item())).encode()
    status, body = _post_raw(http, device, gzip.compress(raw[:50]) + gzip.compress(raw[50:]))
    assert status == 200, body


def test_zip_bomb_is_stopped_at_the_cap(http: TestClient, device: EnrolledDevice) -> None:
    bomb = _gzip_of_zeros(64 * DEFAULT_MAX_BODY_BYTES // 16)  # 64 MiB of zeros, ~64 KiB sent
    assert len(bomb) < 200_000
    status, body = _post_raw(http, device, bomb)
    assert status == 413
    assert body["code"] == "body_too_large"
    assert "16 MiB" in body["detail"]


def test_body_just_under_the_cap_is_read(tmp_path: Path) -> None:
    settings = ServerSettings(
        db_url=f"sqlite:///{tmp_path / 'small.db'}", home=tmp_path, max_body_bytes=2048
    )
    with TestClient(create_app(settings)) as http:
        padding = {"protocol_version": 1, "pad": "x" * 1900}
        ok = http.post(
            "/api/v1/enroll",
            content=gzip.compress(json.dumps(padding).encode()),
            headers={"Content-Encoding": "gzip"},
        )
        # Read and parsed (then refused for its content, not its size).
        assert ok.status_code == 400
        assert ok.json()["code"] == "invalid_request"
        big = {"protocol_version": 1, "pad": "x" * 3000}
        for compressed in (True, False):
            raw = json.dumps(big).encode()
            headers = {"Content-Encoding": "gzip"} if compressed else {}
            response = http.post(
                "/api/v1/enroll",
                content=gzip.compress(raw) if compressed else raw,
                headers=headers,
            )
            assert response.status_code == 413, compressed


def test_corrupt_or_truncated_gzip_is_a_400(http: TestClient, device: EnrolledDevice) -> None:
    whole = gzip.compress(json.dumps(batch(device, item())).encode())
    for raw in (b"not gzip at all", whole[: len(whole) // 2], whole + b"trailing junk"):
        status, body = _post_raw(http, device, raw)
        assert (status, body["code"]) == (400, "bad_gzip")


def test_unknown_encoding_is_a_415(http: TestClient, device: EnrolledDevice) -> None:
    status, body = _post_raw(http, device, b"{}", encoding="br")
    assert (status, body["code"]) == (415, "unsupported_encoding")


@pytest.mark.parametrize(
    "raw",
    [b"{not json", b'{"a": NaN}', b"\xff\xfe\x00", b"[1, 2]"],
)
def test_malformed_json_is_a_400(http: TestClient, device: EnrolledDevice, raw: bytes) -> None:
    status, body = _post_raw(http, device, raw, encoding=None)
    assert status == 400
    assert body["code"] in {"invalid_json", "invalid_request"}


@pytest.mark.parametrize("version", [2, 0, "1", True])
def test_other_protocol_version_is_refused(
    http: TestClient, device: EnrolledDevice, version: object
) -> None:
    response = push(http, device, batch(device, item(), protocol_version=version))
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "protocol_mismatch"
    assert "Phiên bản giao thức" in body["detail"]
    assert "hãy cập nhật phần mềm" in body["detail"]


def test_enroll_checks_the_protocol_version(http: TestClient) -> None:
    response = http.post(
        "/api/v1/enroll",
        json={"protocol_version": 9, "code": "X", "commune_code": "12345", "device_name": "A"},
    )
    assert response.status_code == 400
    assert response.json()["code"] == "protocol_mismatch"


def test_bad_commune_in_path_is_a_400(http: TestClient, device: EnrolledDevice) -> None:
    response = push(http, device, batch(device, item()), commune="12a45")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_commune"


def test_large_answers_are_gzipped(http: TestClient, device: EnrolledDevice) -> None:
    # Rejections carry a reason each: an answer well over the 1 KiB gzip threshold.
    response = push(http, device, batch(device, *[item(version=0) for _ in range(30)]))
    assert response.status_code == 200
    assert response.headers.get("content-encoding") == "gzip"
    assert response.json()["statuses"] == "r" * 30


def test_unknown_route_answers_an_error_body(http: TestClient) -> None:
    response = http.get("/api/v1/khong-co")
    assert response.status_code == 404
    assert ErrorBody.model_validate(response.json()).code == "http_404"


def test_wrong_method_answers_an_error_body(http: TestClient) -> None:
    response = http.get("/api/v1/enroll")
    assert response.status_code == 405
    assert response.json()["code"] == "http_405"


def _resolve_refs(node: object, schemas: dict[str, object]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            assert ref.startswith("#/components/schemas/"), ref
            assert ref.rsplit("/", 1)[1] in schemas, ref
        for value in node.values():
            _resolve_refs(value, schemas)
    elif isinstance(node, list):
        for value in node:
            _resolve_refs(value, schemas)


def test_openapi_describes_the_protocol(settings: ServerSettings) -> None:
    app = create_app(replace(settings, docs=True))
    try:
        with TestClient(app) as http:
            spec = http.get("/openapi.json").json()
    finally:
        app.state.engine.dispose()
    assert set(spec["paths"]) >= {
        "/api/v1/info",
        "/api/v1/enroll",
        "/api/v1/communes/{commune_code}/push",
    }
    schemas = spec["components"]["schemas"]
    assert {"PushRequest", "RecordItem", "PushResponse", "ItemResult", "EnrollRequest"} <= set(
        schemas
    )
    push_op = spec["paths"]["/api/v1/communes/{commune_code}/push"]["post"]
    body_schema = push_op["requestBody"]["content"]["application/json"]["schema"]
    assert body_schema == {"$ref": "#/components/schemas/PushRequest"}
    assert push_op["security"]
    _resolve_refs(spec, schemas)


def test_xz_bodies_are_accepted_capped_and_checked(
    http: TestClient, device: EnrolledDevice
) -> None:
    import lzma

    from sync.client import compress_body

    raw = json.dumps(batch(device, item(), item())).encode()
    status, body = _post_raw(http, device, compress_body(raw, "xz"), "xz")
    assert (status, body["statuses"]) == (200, "aa")
    # A small xz file that inflates far past the cap is stopped, not inflated.
    bomb = lzma.compress(b"0" * (40 * 1024 * 1024), format=lzma.FORMAT_XZ)
    assert len(bomb) < 64 * 1024
    status, body = _post_raw(http, device, bomb, "xz")
    assert (status, body["code"]) == (413, "body_too_large")
    status, body = _post_raw(http, device, compress_body(raw, "xz")[:-9], "xz")
    assert (status, body["code"]) == (400, "bad_gzip")
    status, body = _post_raw(http, device, compress_body(raw, "xz") + b"rac", "xz")
    assert (status, body["code"]) == (400, "bad_gzip")
