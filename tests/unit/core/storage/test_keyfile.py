from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from desktop.core.storage.keyfile import (
    KeyFile,
    KeyFileError,
    WrongSecret,
    lockout_delay,
    new_master_key,
    new_recovery_code,
    normalise_recovery_code,
)


def _key_file(path: Path) -> tuple[KeyFile, bytes, str]:
    master = new_master_key()
    code = new_recovery_code()
    kf = KeyFile.create(
        path,
        book_id="b",
        commune_code="12345",
        master_key=master,
        username="admin",
        password="matkhau-manh-2026",
        recovery_code=code,
    )
    kf.save()
    return kf, master, code


def test_password_and_recovery_unwrap_the_same_key(tmp_path: Path) -> None:
    _, master, code = _key_file(tmp_path / "k.json")
    loaded = KeyFile.load(tmp_path / "k.json")
    assert loaded.unlock("admin", "matkhau-manh-2026") == master
    assert loaded.unlock_with_recovery(code.lower().replace("-", " ")) == master
    with pytest.raises(WrongSecret):
        loaded.unlock("admin", "sai-mat-khau-1")
    with pytest.raises(WrongSecret):
        loaded.unlock("khong-co", "matkhau-manh-2026")
    with pytest.raises(WrongSecret):
        loaded.unlock_with_recovery(new_recovery_code())


def test_second_user_same_master_key(tmp_path: Path) -> None:
    kf, master, _ = _key_file(tmp_path / "k.json")
    kf.set_password("canbo", "matkhau-khac-99", master)
    assert kf.unlock("canbo", "matkhau-khac-99") == master


def test_recovery_code_normalisation() -> None:
    assert normalise_recovery_code("abcd efgh-o1l2") == "ABCD-EFGH-0112"
    code = new_recovery_code()
    assert len(code) == 29 and code.count("-") == 5


def test_lockout_grows_and_caps(tmp_path: Path) -> None:
    assert [lockout_delay(n) for n in range(6)] == [0, 0, 0, 30, 60, 120]
    assert lockout_delay(50) == 15 * 60
    kf, _, _ = _key_file(tmp_path / "k.json")
    now = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
    for _ in range(3):
        kf.record_failure("admin", now)
    assert kf.seconds_locked("admin", now) == 30
    assert kf.seconds_locked("admin", now + timedelta(seconds=31)) == 0
    assert kf.record_success("admin") is True
    assert kf.seconds_locked("admin", now) == 0


def test_missing_and_damaged_key_files(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError, match="Không tìm thấy"):
        KeyFile.load(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(KeyFileError, match="bị hỏng"):
        KeyFile.load(bad)
