"""Headless sync, as an officer (or a script) runs it: `sotreem sync` against the real server.

Both sides are separate processes: the server (`sotreem-server serve`), its administration
commands, and `sotreem` itself, exactly as a person would type them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import text

from desktop.core.services.book import Book
from desktop.core.sync_service import SyncService
from tests.conftest import ADMIN_PASSWORD
from tests.integration.conftest import ROOT, ServerProcess
from tests.unit.core.sync.helpers import add_household, new_book


def sotreem(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m desktop ARGS` with the book's password in the environment."""
    env = dict(os.environ, SOTREEM_HOME=str(home), SOTREEM_PASSWORD=ADMIN_PASSWORD)
    env["PYTHONIOENCODING"] = "utf-8"
    return subprocess.run(
        [sys.executable, "-m", "desktop", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=180,
        check=False,
    )


def summary_of(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    """The JSON summary line `sotreem sync` prints last."""
    assert result.returncode == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return data


def test_enrol_sync_correct_and_transfer_file_from_the_command_line(
    book: Book, hamlet_id: str, sotreem_home: Path, sync_server: ServerProcess, tmp_path: Path
) -> None:
    add_household(book, hamlet_id, "1", children=2)
    with book.read() as session:  # the first child's id, for the correction
        person_id = session.execute(text("SELECT id FROM persons LIMIT 1")).scalar_one()
    code = sync_server.issue_enrollment_code("12345")

    first = sotreem(sotreem_home, "sync", "--server", sync_server.url, "--enroll", code)
    assert "Đã đăng ký sổ này" in first.stdout
    counts = summary_of(first)
    assert (counts["sent"], counts["applied"], counts["conflicts"], counts["rejected"]) == (
        4, 4, 0, 0,
    )  # fmt: skip
    assert counts["remaining"] == 0 and counts["received"] == 0

    # Upstream corrects a child; `sotreem sync` brings it back.
    sync_server.cli(
        "create-user", "--username", "tinh", "--full-name", "Cán bộ tỉnh", "--communes", "*",
        env={"SOTREEM_SERVER_PASSWORD": "mat-khau-tinh-1"},
    )  # fmt: skip
    sync_server.cli(
        "correct", "--user", "tinh", "--commune", "12345", "--table", "persons",
        "--id", person_id, "--set", "notes=Tỉnh đã xác minh",
    )  # fmt: skip
    second = summary_of(sotreem(sotreem_home, "sync"))
    assert (second["sent"], second["received"]) == (0, 1)

    # No connection: a transfer file, carried to upstream, and its answer carried back.
    add_household(book, hamlet_id, "2")
    request = tmp_path / "xa-12345.sotreem"
    exported = sotreem(sotreem_home, "sync", "--export-file", str(request))
    assert summary_of(exported)["exported"] == 2
    assert "đã được mã hóa" in exported.stdout
    imported = sync_server.cli("import-transfer", str(request))
    assert "2 bản ghi được ghi" in imported
    answer = Path(f"{request}.tra-loi")
    back = summary_of(sotreem(sotreem_home, "sync", "--import-file", str(answer)))
    assert (back["applied"], back["remaining"]) == (2, 0)
    again = summary_of(sotreem(sotreem_home, "sync", "--import-file", str(answer)))
    assert again["applied"] == 0  # importing twice changes nothing

    held = sync_server.commune_summary("12345")
    assert held["tables"]["persons"] == {"live": 3, "deleted": 0}
    assert held["tables"]["households"] == {"live": 2, "deleted": 0}

    # A damaged answer file is refused with a clear message, and nothing is written.
    damaged = tmp_path / "hong.tra-loi"
    damaged.write_bytes(answer.read_bytes()[:-10] + b"0123456789")
    refused = sotreem(sotreem_home, "sync", "--import-file", str(damaged))
    assert refused.returncode == 1
    assert "Chữ ký của tệp không đúng" in refused.stderr

    # Settings from the command line: the automatic sync interval.
    settings = sotreem(sotreem_home, "sync", "--auto-minutes", "60", "--settings-only")
    assert settings.returncode == 0 and "mỗi 60 phút" in settings.stdout
    wrong = sotreem(sotreem_home, "sync", "--auto-minutes", "7", "--settings-only")
    assert wrong.returncode == 2 and "Chu kỳ tự đồng bộ" in wrong.stderr


def test_offline_sync_keeps_everything_and_says_so(
    book: Book, hamlet_id: str, sotreem_home: Path, sync_server: ServerProcess
) -> None:
    add_household(book, hamlet_id, "1")
    code = sync_server.issue_enrollment_code("12345")
    assert summary_of(sotreem(sotreem_home, "sync", "--server", sync_server.url, "--enroll", code))
    add_household(book, hamlet_id, "2")
    sync_server.stop()
    offline = sotreem(sotreem_home, "sync", "--push-only", "--attempts", "1")
    assert offline.returncode == 3
    data = json.loads(offline.stdout.strip().splitlines()[-1])
    assert data["offline"] and data["remaining"] == 2
    assert "Chưa kết nối được máy chủ" in offline.stdout


def _enrollment_file(sync_server: ServerProcess, commune: str, target: Path) -> str:
    """`sotreem-server enrollment-file`; the opening code it prints (last line)."""
    printed = sync_server.cli(
        "enrollment-file", "--commune", commune, "--device-name", "Máy UBND xã",
        "--output", str(target),
    )  # fmt: skip
    assert "chỉ hiện một lần" in printed and target.exists()
    return printed.strip().splitlines()[-1]


def test_a_commune_with_no_connection_enrols_and_syncs_by_files_only(
    book: Book, hamlet_id: str, sotreem_home: Path, sync_server: ServerProcess, tmp_path: Path
) -> None:
    add_household(book, hamlet_id, "1", children=2)
    enrol = tmp_path / "may-xa-12345.dangky"
    code = _enrollment_file(sync_server, "12345", enrol)
    foreign = tmp_path / "xa-khac.dangky"
    foreign_code = _enrollment_file(sync_server, "54321", foreign)

    # A wrong code, or another commune's file: refused, nothing written to the book.
    wrong = sotreem(sotreem_home, "sync", "--enroll-file", str(enrol), "--file-code", "A" * 20)
    assert wrong.returncode == 2 and "Mã mở tệp không đúng" in wrong.stderr
    other = sotreem(
        sotreem_home, "sync", "--enroll-file", str(foreign), "--file-code", foreign_code
    )
    assert other.returncode == 2 and "dành cho xã có mã 54321" in other.stderr
    not_yet = sotreem(sotreem_home, "sync", "--export-file", str(tmp_path / "x.sotreem"))
    assert not_yet.returncode == 2 and "chưa đăng ký" in not_yet.stderr

    # The right code: enrolled, with no server address and no network needed.
    enrolled = sotreem(sotreem_home, "sync", "--enroll-file", str(enrol), "--file-code", code)
    assert enrolled.returncode == 0, enrolled.stderr
    assert "Đã đăng ký sổ này bằng tệp (máy “Máy UBND xã”)" in enrolled.stdout
    assert "Chưa có địa chỉ máy chủ" in enrolled.stdout
    online = sotreem(sotreem_home, "sync")
    assert online.returncode == 2 and "chưa có địa chỉ máy chủ" in online.stderr

    # Files both ways, as for any commune without a connection.
    request = tmp_path / "xa-12345.sotreem"
    assert summary_of(sotreem(sotreem_home, "sync", "--export-file", str(request)))["exported"] == 4
    assert "4 bản ghi được ghi" in sync_server.cli("import-transfer", str(request))
    back = summary_of(sotreem(sotreem_home, "sync", "--import-file", f"{request}.tra-loi"))
    assert (back["applied"], back["remaining"]) == (4, 0)
    assert sync_server.commune_summary("12345")["tables"]["persons"] == {"live": 2, "deleted": 0}
    devices = json.loads(sync_server.cli("devices", "--commune", "12345", "--format", "json"))
    assert [d["name"] for d in devices] == ["Máy UBND xã"]

    # The day the commune gets a connection: the address, then an ordinary sync.
    add_household(book, hamlet_id, "2")
    later = summary_of(sotreem(sotreem_home, "sync", "--server", sync_server.url))
    assert (later["sent"], later["applied"], later["remaining"]) == (2, 2, 0)


def test_a_failed_enrolment_is_a_message_not_a_traceback(
    book: Book, sotreem_home: Path, sync_server: ServerProcess, tmp_path: Path
) -> None:
    code = sync_server.issue_enrollment_code("12345")
    other = new_book(tmp_path / "other-pc")
    try:
        SyncService(other).enroll(sync_server.url, code)
    finally:
        other.close()
    # A code another book used, and a server that does not answer at all.
    used = sotreem(sotreem_home, "sync", "--server", sync_server.url, "--enroll", code)
    sync_server.stop()
    gone = sotreem(sotreem_home, "sync", "--server", sync_server.url, "--enroll", "MA-KHAC-1")
    for result in (used, gone):
        assert result.returncode != 0
        assert "Traceback" not in result.stderr, result.stderr
        assert "Chưa đăng ký được sổ này" in result.stderr, result.stderr
