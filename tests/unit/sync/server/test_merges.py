"""A declared commune merge: the former communes' records re-homed once under the new code."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest
import time_machine
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from sync import clock
from sync.server.cli import main
from sync.server.models import (
    AuditEntry,
    Commune,
    CommuneMerge,
    Record,
    SetAsideRecord,
    UpstreamReport,
)
from sync.server.repositories import records as records_repo
from sync.server.services import enrollment, merges, reports, users
from sync.server.services.errors import ServiceError
from sync.server.settings import ServerSettings
from tests.unit.sync.server.report_support import Figure, make_user, send_report, sign_in
from tests.unit.sync.server.support import EnrolledDevice, batch, item, new_id, push

OLD1, OLD2, NEW = "11111", "22222", "33333"


@pytest.fixture(autouse=True)
def _frozen() -> Iterator[None]:
    with time_machine.travel(datetime(2026, 7, 15, 9, tzinfo=clock.VIETNAM)):
        yield


def _yesterday() -> date:
    return clock.today() - timedelta(days=1)


def _admin(sessions: sessionmaker[Session]) -> users.UserInfo:
    make_user(sessions, "quantri.tinh", "administrator")
    return users.find_user(sessions, "quantri.tinh")


def _send(http: TestClient, device: EnrolledDevice, *items: dict[str, Any]) -> str:
    answer = push(http, device, batch(device, *items))
    assert answer.status_code == 200, answer.text
    statuses: str = answer.json()["statuses"]
    return statuses


def _pull(http: TestClient, device: EnrolledDevice, after: int = 0) -> Any:
    return http.get(
        f"/api/v1/communes/{device.commune_code}/changes",
        params={"after": after, "limit": 500},
        headers=device.headers,
    )


def _held(sessions: sessionmaker[Session], code: str) -> dict[tuple[str, str], Record]:
    with sessions() as session:
        rows = records_repo.all_for_commune(session, code)
        session.expunge_all()
    return {(r.table_name, r.record_id): r for r in rows}


def _count(sessions: sessionmaker[Session], model: Any) -> int:
    with sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_the_cli_declares_a_merge_once_and_rehomes_the_former_records(
    http: TestClient,
    enroll: Callable[[str], EnrolledDevice],
    sessions: sessionmaker[Session],
    settings: ServerSettings,
    capsys: pytest.CaptureFixture[str],
) -> None:
    old1, old2, new = enroll(OLD1), enroll(OLD2), enroll(NEW)
    assert _send(http, old1, item(), item()) == "aa"
    assert _send(http, old2, item(table="households", data={"address": "Thôn 3"})) == "a"
    assert _send(http, new, item()) == "a"
    report_id = send_report(http, old1, "2026-H1", [Figure("CT14", "count", 12.0)])
    cursor = _pull(http, new).json()["next_after"]
    new_own = _held(sessions, NEW)
    make_user(sessions, "quantri.tinh", "administrator")
    on = clock.format_date(_yesterday())
    argv = [
        "merge-communes", "--db", settings.db_url, "--user", "quantri.tinh",
        "--into", NEW, "--from", OLD1, "--from", OLD2, "--on", on,
    ]  # fmt: skip
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert f"Đã gộp xã {OLD1}, {OLD2} vào xã {NEW} (ngày {on}): 3 bản ghi chuyển sang mã" in out
    assert "Báo cáo đã chốt của các xã cũ giữ nguyên mã và số liệu" in out

    held = _held(sessions, NEW)
    assert len(held) == 4
    # The new commune's own rows keep their change numbers: nothing of theirs comes again.
    for key, row in new_own.items():
        assert held[key].seq == row.seq and held[key].version == row.version
    # The former communes keep only their reports, under their own codes.
    assert {t for t, _id in _held(sessions, OLD1)} == {
        "periodic_reports",
        "report_snapshot_values",
    }
    assert _held(sessions, OLD2) == {}
    with sessions() as session:
        report = session.get(UpstreamReport, report_id)
        assert report is not None and report.commune_code == OLD1
        declared = session.scalars(select(CommuneMerge).order_by(CommuneMerge.former_code)).all()
        assert [(m.former_code, m.into_code, m.records_moved) for m in declared] == [
            (OLD1, NEW, 2),
            (OLD2, NEW, 1),
        ]
        audit = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "communes_merged")
        ).all()
        assert sorted(a.target for a in audit) == [f"{OLD1} → {NEW}", f"{OLD2} → {NEW}"]
        assert all(a.username == "quantri.tinh" for a in audit)
    # The new commune's device receives exactly the re-homed rows, once.
    page = _pull(http, new, cursor).json()
    assert len(page["records"]) == 3 and not page["more"]
    assert _pull(http, new, page["next_after"]).json()["records"] == []

    # The same declaration again does nothing.
    assert main(argv) == 0
    assert "đã được gộp vào xã 33333 từ trước: không làm lại" in capsys.readouterr().out
    assert len(_held(sessions, NEW)) == 4
    assert _count(sessions, AuditEntry) == len(audit)
    assert _pull(http, new, page["next_after"]).json()["records"] == []


def test_the_devices_of_a_former_commune_are_told_where_it_went(
    http: TestClient, enroll: Callable[[str], EnrolledDevice], sessions: sessionmaker[Session]
) -> None:
    old, _new = enroll(OLD1), enroll(NEW)
    assert _send(http, old, item()) == "a"
    unused = enrollment.issue_code(sessions, OLD1)
    with sessions.begin() as session:
        session.add(Commune(code=OLD1, name="Minh Hưng", commune_type="rural", province_code="70"))
        session.add(Commune(code=NEW, name="Minh Thành", commune_type="rural", province_code="70"))
    merges.declare(
        sessions, _admin(sessions), into_code=NEW, former_codes=[OLD1], merged_on=_yesterday()
    )
    told = (
        f"Xã Minh Hưng ({OLD1}) đã được gộp vào xã Minh Thành ({NEW}) ngày "
        f"{clock.format_date(_yesterday())}; hãy cài sổ của xã Minh Thành ({NEW})"
    )
    pushed = push(http, old, batch(old, item()))
    assert pushed.status_code == 403
    assert pushed.json()["code"] == "commune_merged" and told in pushed.json()["detail"]
    pulled = _pull(http, old)
    assert pulled.status_code == 403 and told in pulled.json()["detail"]
    assert _held(sessions, OLD1) == {}  # nothing was created under the dead code
    with pytest.raises(ServiceError, match="đã được gộp vào"):
        enrollment.issue_code(sessions, OLD1)
    # A code issued before the merge no longer enrols a device of the former commune.
    enrolled = http.post(
        "/api/v1/enroll", json={"code": unused, "commune_code": OLD1, "device_name": "Máy mới"}
    )
    assert enrolled.status_code == 403 and told in enrolled.json()["detail"]


def test_each_pull_of_the_new_commune_says_which_merges_upstream_declared(
    http: TestClient, enroll: Callable[[str], EnrolledDevice], sessions: sessionmaker[Session]
) -> None:
    new, other = enroll(NEW), enroll("44444")
    enroll(OLD1), enroll(OLD2)  # the server knows the former communes by their devices
    assert _pull(http, new).json()["merged_from"] == []
    admin = _admin(sessions)
    merges.declare(sessions, admin, into_code=NEW, former_codes=[OLD2], merged_on=_yesterday())
    merges.declare(sessions, admin, into_code=NEW, former_codes=[OLD1], merged_on=_yesterday())
    # Sorted, on every page (the first and the last of this pull are one page here).
    page = _pull(http, new).json()
    assert page["merged_from"] == [OLD1, OLD2] and not page["more"]
    assert _pull(http, new, page["next_after"]).json()["merged_from"] == [OLD1, OLD2]
    # Another commune is told only of its own merges: none.
    assert _pull(http, other).json()["merged_from"] == []


def test_the_same_record_under_both_codes_is_folded_into_the_newer(
    http: TestClient, enroll: Callable[[str], EnrolledDevice], sessions: sessionmaker[Session]
) -> None:
    old, new = enroll(OLD1), enroll(NEW)
    same, newer_here, newer_there = item(), item(), item()
    # The new book brought the former book in and synced before the declaration.
    assert _send(http, old, same, newer_here, newer_there | {"version": 3}) == "aaa"
    mapped = {**newer_here, "version": 2, "base_version": 1, "data": {"full_name": "Lê B"}}
    older = {**newer_there, "version": 2, "data": {"full_name": "Lê C cũ"}}
    assert _send(http, new, same, mapped, older) == "aaa"
    cursor = _pull(http, new).json()["next_after"]
    done = merges.declare(
        sessions, _admin(sessions), into_code=NEW, former_codes=[OLD1], merged_on=_yesterday()
    )
    assert (done.moved, done.folded, done.set_aside) == (0, 3, 2)
    held = _held(sessions, NEW)
    assert len(held) == 3 and _held(sessions, OLD1) == {}
    assert held[("persons", newer_here["id"])].data == {"full_name": "Lê B"}
    kept = held[("persons", newer_there["id"])]
    assert (kept.version, kept.data) == (3, newer_there["data"])
    with sessions() as session:
        aside = {
            (r.record_id, r.held_by, r.version) for r in session.scalars(select(SetAsideRecord))
        }
    assert aside == {(newer_here["id"], OLD1, 1), (newer_there["id"], NEW, 2)}
    # Only the row whose current version changed comes down to the new commune's device.
    page = _pull(http, new, cursor).json()
    assert [(r["id"], r["version"]) for r in page["records"]] == [(newer_there["id"], 3)]


def test_a_copied_record_pushed_after_the_merge_is_the_same_record(
    http: TestClient, enroll: Callable[[str], EnrolledDevice], sessions: sessionmaker[Session]
) -> None:
    old, new = enroll(OLD1), enroll(NEW)
    child = item()
    assert _send(http, old, child) == "a"
    merges.declare(
        sessions, _admin(sessions), into_code=NEW, former_codes=[OLD1], merged_on=_yesterday()
    )
    assert _send(http, new, child) == "d"
    edited = {**child, "version": 2, "base_version": 1, "data": {"full_name": "Lê Văn D"}}
    assert _send(http, new, edited) == "a"
    assert len(_held(sessions, NEW)) == 1


def test_bad_declarations_are_refused_in_vietnamese(
    http: TestClient, enroll: Callable[[str], EnrolledDevice], sessions: sessionmaker[Session]
) -> None:
    enroll(OLD1), enroll(OLD2), enroll(NEW)
    admin = _admin(sessions)
    day = _yesterday()

    def declare(into: str, *formers: str, on: date = day, who: Any = admin) -> Any:
        return merges.declare(sessions, who, into_code=into, former_codes=formers, merged_on=on)

    with pytest.raises(ServiceError, match="Không gộp được xã 33333 vào chính nó"):
        declare(NEW, NEW)
    with pytest.raises(ServiceError, match=r"Ngày gộp \d\d/\d\d/\d{4} chưa đến"):
        declare(NEW, OLD1, on=clock.today() + timedelta(days=1))
    with pytest.raises(ServiceError, match="Máy chủ không biết xã 44444"):
        declare(NEW, "44444")
    with pytest.raises(ServiceError, match="mã xã 5 chữ số"):
        declare(NEW, "1234")
    make_user(sessions, "xem.tinh", "viewer")
    with pytest.raises(ServiceError, match="Chỉ quản trị viên cấp trên mới được gộp xã"):
        declare(NEW, OLD1, who=users.find_user(sessions, "xem.tinh"))
    make_user(sessions, "quantri.huyen", "administrator", communes=f"{OLD1},{NEW}")
    with pytest.raises(ServiceError, match=f"không quản lý xã {OLD2}"):
        declare(NEW, OLD2, who=users.find_user(sessions, "quantri.huyen"))
    declare(NEW, OLD1)
    with pytest.raises(
        ServiceError, match=f"Xã {OLD1} đã được gộp vào xã {NEW} ngày .*không gộp vào xã {OLD2}"
    ):
        declare(OLD2, OLD1)
    with pytest.raises(ServiceError, match="không gộp thêm xã nào vào đó"):
        declare(OLD1, OLD2)
    with pytest.raises(ServiceError, match="là xã mới của một lần gộp khác"):
        declare(OLD2, NEW)
    # Nothing of the refused declarations was written.
    assert _count(sessions, CommuneMerge) == 1


def test_one_new_id_is_not_confused_with_another_communes_record(
    http: TestClient, enroll: Callable[[str], EnrolledDevice], sessions: sessionmaker[Session]
) -> None:
    # A third commune holding the same id is untouched by a merge it is not part of.
    old, other = enroll(OLD1), enroll(OLD2)
    enroll(NEW)
    shared = item(id=new_id())
    assert _send(http, old, shared) == "a" and _send(http, other, shared) == "a"
    merges.declare(
        sessions, _admin(sessions), into_code=NEW, former_codes=[OLD1], merged_on=_yesterday()
    )
    assert set(_held(sessions, OLD2)) == {("persons", shared["id"])}
    assert set(_held(sessions, NEW)) == {("persons", shared["id"])}


def test_only_the_tables_that_follow_the_children_are_rehomed(
    http: TestClient, enroll: Callable[[str], EnrolledDevice], sessions: sessionmaker[Session]
) -> None:
    old, new = enroll(OLD1), enroll(NEW)
    target = item(
        table="indicator_targets",
        data={"indicator_code": "CT14", "level": "commune", "year": 2030, "text": "100%"},
    )
    category = {"code": "NC21", "name": "Trẻ bỏ học", "active": True}
    theirs = item(table="risk_categories", data=category)
    their_own = item(table="risk_categories", data={**category, "code": "NC22"})
    assert _send(http, old, target, theirs, their_own) == "aaa"
    mine = item(table="risk_categories", data={**category, "name": "Trẻ em bỏ học"})
    assert _send(http, new, mine) == "a"
    done = merges.declare(
        sessions, _admin(sessions), into_code=NEW, former_codes=[OLD1], merged_on=_yesterday()
    )
    assert (done.moved, done.folded, done.set_aside) == (1, 1, 1)
    # The former commune's targets are its own: they keep its code.
    assert set(_held(sessions, OLD1)) == {("indicator_targets", target["id"])}
    held = _held(sessions, NEW)
    # One category per code: the new commune's NC21 stays, the former one is set aside.
    assert set(held) == {("risk_categories", mine["id"]), ("risk_categories", their_own["id"])}
    with sessions() as session:
        aside = session.scalars(select(SetAsideRecord)).one()
    assert (aside.record_id, aside.held_by, aside.data["code"]) == (theirs["id"], OLD1, "NC21")


def test_an_administrator_declares_a_merge_on_the_dashboard(
    web: TestClient, enroll: Callable[[str], EnrolledDevice], sessions: sessionmaker[Session]
) -> None:
    old, _new = enroll(OLD1), enroll(NEW)
    assert _send(web, old, item(), item()) == "aa"
    make_user(sessions, "quantri.tinh", "administrator")
    make_user(sessions, "xem.tinh", "viewer")
    on = clock.format_date(_yesterday())
    form = {"into": NEW, "former": OLD1, "merged_on": on}
    csrf = sign_in(web, "xem.tinh")
    # Viewers do not reach the administration pages.
    assert web.post("/quan-tri/gop-xa", data={"csrf": csrf, **form}).status_code == 403
    assert _count(sessions, CommuneMerge) == 0
    web.post("/dang-xuat", data={"csrf": csrf})
    csrf = sign_in(web, "quantri.tinh")
    bad = web.post("/quan-tri/gop-xa", data={"csrf": csrf, **form, "merged_on": "2025-07-01"})
    assert bad.status_code == 400 and "dd/mm/yyyy" in bad.text
    done = web.post("/quan-tri/gop-xa", data={"csrf": csrf, **form})
    assert done.status_code == 200
    assert f"Đã gộp xã {OLD1} vào xã {NEW}: 2 bản ghi chuyển sang mã mới" in done.text
    assert f"<td>{OLD1}</td><td>{NEW}</td><td>{on}</td><td>quantri.tinh</td>" in done.text
    assert "communes_merged" in done.text  # the audit trail on the same page
    again = web.post("/quan-tri/gop-xa", data={"csrf": csrf, **form})
    assert "đã được gộp vào xã 33333 từ trước: không làm lại" in again.text
    assert len(_held(sessions, NEW)) == 2


def test_a_former_commune_is_expected_only_for_periods_that_ended_before_its_merge(
    http: TestClient, enroll: Callable[[str], EnrolledDevice], sessions: sessionmaker[Session]
) -> None:
    old1, _old2, _new = enroll(OLD1), enroll(OLD2), enroll(NEW)
    year = clock.today().year
    send_report(http, old1, f"{year}-9M", [Figure("CT14", "count", 3.0)])
    admin = _admin(sessions)
    # Merged on the day after the first half-year ended.
    merged_on = date(year, 7, 1)
    merges.declare(sessions, admin, into_code=NEW, former_codes=[OLD1, OLD2], merged_on=merged_on)

    def listed(period: str) -> list[str]:
        return [row.commune_code for row in reports.overview(sessions, admin, period).rows]

    # The first half-year was theirs: both are expected for it.
    assert listed(f"{year}-H1") == [OLD1, OLD2, NEW]
    # Later periods are the new commune's; a report a former commune sent anyway stays shown.
    assert listed(f"{year}-9M") == [OLD1, NEW]
    assert listed(str(year)) == [NEW]
    assert reports.period_end(f"{year}-9M") == date(year, 9, 30)


def test_the_cli_refuses_bad_input_in_vietnamese(
    enroll: Callable[[str], EnrolledDevice],
    sessions: sessionmaker[Session],
    settings: ServerSettings,
    capsys: pytest.CaptureFixture[str],
) -> None:
    enroll(OLD1)
    make_user(sessions, "quantri.tinh", "administrator")
    base = ["merge-communes", "--db", settings.db_url, "--user", "quantri.tinh", "--into", NEW]
    tomorrow = clock.format_date(clock.today() + timedelta(days=1))
    assert main([*base, "--from", OLD1, "--on", tomorrow]) == 1
    assert f"Lỗi: Ngày gộp {tomorrow} chưa đến" in capsys.readouterr().err
    assert main([*base, "--from", NEW, "--on", "01/07/2025"]) == 1
    assert "vào chính nó" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main([*base, "--from", OLD1, "--on", "2025-07-01"])
    assert "dd/mm/yyyy" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main([*base, "--from", "1111", "--on", "01/07/2025"])
    assert "mã xã phải gồm đúng 5 chữ số" in capsys.readouterr().err
    assert _count(sessions, CommuneMerge) == 0
