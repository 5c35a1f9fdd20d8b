"""`sotreem-server` administrative commands, run in-process on a temporary database."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from sync.protocol import SYNC_TABLES
from sync.server.app import create_app
from sync.server.cli import main
from sync.server.settings import ServerSettings
from tests.unit.sync.server.support import EnrolledDevice, batch, item, push

CODE_RE = re.compile(r"^[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}$")


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """A fresh database URL (created by the first command)."""
    return f"sqlite:///{tmp_path / 'cli.db'}"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def _enroll_and_push(db_url: str, tmp_path: Path, code: str) -> EnrolledDevice:
    settings = ServerSettings(db_url=db_url, home=tmp_path)
    with TestClient(create_app(settings)) as http:
        answer = http.post(
            "/api/v1/enroll",
            json={"code": code, "commune_code": "12345", "device_name": "Máy tiếp nhận"},
        ).json()
        device = EnrolledDevice(answer["device_id"], answer["token"], "12345")
        row = item()
        body = batch(
            device,
            row,
            item(table="hamlets", data={"name": "Thôn Đông"}),
            item(table="households", data={"number": "1", "head_name": "Lò Văn A"}),
        )
        assert push(http, device, body).status_code == 200
        tombstone = {**row, "version": 2, "base_version": 1, "deleted": True}
        assert push(http, device, batch(device, tombstone, item())).status_code == 200
    return device


def test_enrollment_code_prints_only_the_code(
    capsys: pytest.CaptureFixture[str], db_url: str
) -> None:
    status, out, err = _run(capsys, "enrollment-code", "--commune", "12345", "--db", db_url)
    assert status == 0
    assert CODE_RE.fullmatch(out.strip())
    assert out.count("\n") == 1
    assert err == ""


def test_summary_counts_live_and_deleted_rows(
    capsys: pytest.CaptureFixture[str], db_url: str, tmp_path: Path
) -> None:
    _status, code, _err = _run(capsys, "enrollment-code", "--commune", "12345", "--db", db_url)
    _enroll_and_push(db_url, tmp_path, code.strip())
    status, out, _err = _run(capsys, "commune-summary", "12345", "--format", "json", "--db", db_url)
    assert status == 0
    report = json.loads(out)
    assert report["commune_code"] == "12345"
    assert report["tables"]["hamlets"] == {"live": 1, "deleted": 0}
    assert report["tables"]["households"] == {"live": 1, "deleted": 0}
    assert report["tables"]["persons"] == {"live": 1, "deleted": 1}
    assert set(report["tables"]) == set(SYNC_TABLES)
    assert (report["devices"], report["active_devices"]) == (1, 1)
    assert report["last_push_at"] is not None

    status, out, _err = _run(capsys, "commune-summary", "12345", "--db", db_url)
    assert status == 0
    assert "Xã 12345" in out
    assert "Số máy: 1" in out


def test_summary_of_an_empty_commune(capsys: pytest.CaptureFixture[str], db_url: str) -> None:
    status, out, _err = _run(capsys, "commune-summary", "99999", "--format", "json", "--db", db_url)
    assert status == 0
    report = json.loads(out)
    assert report["devices"] == 0
    assert report["last_push_at"] is None
    assert all(c == {"live": 0, "deleted": 0} for c in report["tables"].values())


def test_devices_and_revoke(
    capsys: pytest.CaptureFixture[str], db_url: str, tmp_path: Path
) -> None:
    _status, code, _err = _run(capsys, "enrollment-code", "--commune", "12345", "--db", db_url)
    device = _enroll_and_push(db_url, tmp_path, code.strip())

    status, out, _err = _run(
        capsys, "devices", "--commune", "12345", "--format", "json", "--db", db_url
    )
    assert status == 0
    [listed] = json.loads(out)
    assert (listed["id"], listed["name"], listed["revoked_at"]) == (
        device.device_id,
        "Máy tiếp nhận",
        None,
    )
    status, out, _err = _run(capsys, "devices", "--commune", "12345", "--db", db_url)
    assert "đang hoạt động" in out

    status, out, _err = _run(capsys, "revoke-device", device.device_id, "--db", db_url)
    assert status == 0
    assert "Đã thu hồi" in out
    status, out, _err = _run(
        capsys, "devices", "--commune", "12345", "--format", "json", "--db", db_url
    )
    assert json.loads(out)[0]["revoked_at"] is not None


def test_revoking_an_unknown_device_exits_1(
    capsys: pytest.CaptureFixture[str], db_url: str
) -> None:
    status, out, err = _run(capsys, "revoke-device", "khong-co", "--db", db_url)
    assert status == 1
    assert out == ""
    assert err.startswith("Lỗi:")


@pytest.mark.parametrize(
    "argv",
    [
        ["enrollment-code", "--commune", "1234"],
        ["enrollment-code", "--commune", "12345", "--valid-hours", "0"],
        ["commune-summary", "abcde"],
        ["commune-summary", "12345", "--format", "xml"],
        [],
    ],
)
def test_bad_arguments_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    assert stopped.value.code == 2
    capsys.readouterr()


def test_default_database_lives_in_the_server_home(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    monkeypatch.delenv("SOTREEM_SERVER_DB", raising=False)
    monkeypatch.setenv("SOTREEM_SERVER_HOME", str(home))
    status, _out, _err = _run(capsys, "enrollment-code", "--commune", "12345")
    assert status == 0
    assert (home / "server.db").is_file()
    assert home.stat().st_mode & 0o077 == 0


def test_database_url_from_the_environment(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOTREEM_SERVER_DB", f"sqlite:///{tmp_path / 'env.db'}")
    status, _out, _err = _run(capsys, "enrollment-code", "--commune", "12345")
    assert status == 0
    assert (tmp_path / "env.db").is_file()


def test_settings_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOTREEM_SERVER_HOME", str(tmp_path))
    monkeypatch.setenv("SOTREEM_SERVER_DB", "sqlite:///from-env.db")
    assert ServerSettings.load("sqlite:///from-flag.db").db_url == "sqlite:///from-flag.db"
    assert ServerSettings.load().db_url == "sqlite:///from-env.db"
    monkeypatch.delenv("SOTREEM_SERVER_DB")
    assert ServerSettings.load().db_url == f"sqlite:///{tmp_path / 'server.db'}"
