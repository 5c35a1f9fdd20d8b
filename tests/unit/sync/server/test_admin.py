"""Upstream accounts, corrections and transfer imports from the administration CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from sync import transfer
from sync.protocol import PushRequest
from sync.server.app import create_app
from sync.server.cli import main
from sync.server.services import corrections, users
from sync.server.services.errors import ServiceError
from sync.server.settings import ServerSettings
from tests.unit.sync.server.support import EnrolledDevice, batch, item, push


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_users_are_created_listed_checked_and_disabled(sessions: sessionmaker[Session]) -> None:
    made = users.create_user(
        sessions, "CanBo.Tinh", " Lê Thị Tỉnh ", "mat-khau-dai-1", "54321,12345"
    )
    assert (made.username, made.full_name, made.communes) == (
        "canbo.tinh",
        "Lê Thị Tỉnh",
        ("12345", "54321"),
    )
    assert made.may_act_for("12345") and not made.may_act_for("99999")
    assert users.check_password(sessions, "canbo.tinh", "mat-khau-dai-1").id == made.id
    with pytest.raises(ServiceError, match="không đúng"):
        users.check_password(sessions, "canbo.tinh", "sai")
    with pytest.raises(ServiceError, match="đã có người dùng"):
        users.create_user(sessions, "canbo.tinh", "Người khác", "mat-khau-dai-2", "*")
    bad_inputs = [
        ("a", "Tên", "mat-khau-dai-1", "*"),
        ("abc", "", "mat-khau-dai-1", "*"),
        ("abc", "Tên", "ngan", "*"),
        ("abc", "Tên", "mat-khau-dai-1", "12a45"),
    ]
    for bad in bad_inputs:
        with pytest.raises(ServiceError):
            users.create_user(sessions, *bad)
    users.disable_user(sessions, "canbo.tinh")
    assert not users.find_user(sessions, "canbo.tinh").may_act_for("12345")
    with pytest.raises(ServiceError):
        users.check_password(sessions, "canbo.tinh", "mat-khau-dai-1")


def test_corrections_are_scoped_and_checked(
    http: TestClient, device: EnrolledDevice, sessions: sessionmaker[Session]
) -> None:
    row = item(data={"full_name": "Lò Văn A", "sex": 2015})
    push(http, device, batch(device, row))
    officer = users.create_user(sessions, "huyen", "Cán bộ huyện", "mat-khau-dai-1", "54321")
    kwargs = {"commune_code": "12345", "table": "persons", "record_id": row["id"]}
    with pytest.raises(ServiceError, match="không được sửa dữ liệu của xã 12345"):
        corrections.correct(sessions, officer, changes={"full_name": "B"}, **kwargs)
    allowed = users.create_user(sessions, "tinh", "Cán bộ tỉnh", "mat-khau-dai-1", "*")
    with pytest.raises(ServiceError, match="không có trường"):
        corrections.correct(sessions, allowed, changes={"khong_co": "B"}, **kwargs)
    with pytest.raises(ServiceError, match="kiểu"):
        corrections.correct(sessions, allowed, changes={"sex": "2016"}, **kwargs)
    with pytest.raises(ServiceError, match="Máy chủ không có bản ghi"):
        corrections.correct(
            sessions, allowed, changes={"full_name": "B"}, **{**kwargs, "record_id": item()["id"]}
        )
    done = corrections.correct(sessions, allowed, changes={}, delete=True, **kwargs)
    assert (done.version, done.deleted, done.data["full_name"]) == (2, True, "Lò Văn A")


def test_cli_users_correct_and_import_transfer(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    db_url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("SOTREEM_SERVER_PASSWORD", "mat-khau-dai-1")
    status, out, err = _run(
        capsys, "create-user", "--username", "tinh", "--full-name", "Cán bộ tỉnh",
        "--communes", "*", "--db", db_url,
    )  # fmt: skip
    assert status == 0, err
    assert "Đã tạo tài khoản tinh" in out
    status, out, _err = _run(capsys, "users", "--format", "json", "--db", db_url)
    assert json.loads(out)[0]["communes"] == "*"

    settings = ServerSettings(db_url=db_url, home=tmp_path)
    app = create_app(settings)
    sessions: sessionmaker[Session] = app.state.sessions
    from sync.server.services import enrollment

    with TestClient(app) as http:
        code = enrollment.issue_code(sessions, "12345")
        answer = http.post(
            "/api/v1/enroll",
            json={"code": code, "commune_code": "12345", "device_name": "Máy xã"},
        ).json()
        device = EnrolledDevice(answer["device_id"], answer["token"], "12345")
        row = item(data={"full_name": "Lò Văn A", "sex": 2015, "notes": "cũ"})
        push(http, device, batch(device, row))
    app.state.engine.dispose()

    status, out, err = _run(
        capsys, "correct", "--user", "tinh", "--commune", "12345", "--table", "persons",
        "--id", row["id"], "--set", "notes=Tỉnh sửa", "--set", "sex=2016", "--db", db_url,
    )  # fmt: skip
    assert status == 0, err
    assert "phiên bản 2" in out
    status, _out, err = _run(
        capsys, "correct", "--user", "tinh", "--commune", "12345", "--table", "persons",
        "--id", row["id"], "--set", "sex=mười", "--db", db_url,
    )  # fmt: skip
    assert status == 1 and "Lỗi:" in err

    # A transfer file made by the commune's computer (sealed with its token's secret).
    push_request = PushRequest.model_validate(batch(device, item(), item()))
    sealed = transfer.seal(
        "request",
        commune_code="12345",
        device_id=device.device_id,
        batch_ids=[push_request.batch_id],
        payload=transfer.TransferRequest(
            pushes=[json.loads(push_request.model_dump_json(exclude_none=True))], pull_after=0
        ),
        secret=transfer.secret_from_token(device.token),
        created_at=push_request.items[0].updated_at,
    )
    request_file = tmp_path / "xa.sotreem"
    request_file.write_bytes(sealed)
    status, out, err = _run(capsys, "import-transfer", str(request_file), "--db", db_url)
    assert status == 0, err
    assert "1 lô (2 bản ghi được ghi" in out
    answer_file = tmp_path / "xa.sotreem.tra-loi"
    header, content = transfer.open_file(
        answer_file.read_bytes(), transfer.secret_from_token(device.token), kind="answer"
    )
    reply = transfer.parse_answer(content)
    assert header.device_id == device.device_id
    assert reply.answers[0].statuses == "aa"
    assert [r.upstream for r in reply.pull.records] == [True]  # the correction
    status, _out, err = _run(capsys, "import-transfer", str(tmp_path / "khong-co"), "--db", db_url)
    assert status == 1 and "Không đọc được tệp" in err
    status, out, _err = _run(capsys, "commune-summary", "12345", "--format", "json", "--db", db_url)
    assert json.loads(out)["tables"]["persons"] == {"live": 3, "deleted": 0}
