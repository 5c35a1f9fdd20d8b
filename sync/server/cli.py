"""`sotreem-server`: run the server and administer communes' devices from a terminal."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import re
import sys
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy.exc import SQLAlchemyError

from sync import clock
from sync.protocol import JsonScalar
from sync.server.db import make_session_factory, open_database
from sync.server.services import corrections, enrollment, merges, summary, transfer, users
from sync.server.services.enrollment import DeviceInfo
from sync.server.services.errors import ServiceError
from sync.server.settings import DEFAULT_ENROLLMENT_VALID_HOURS, ServerSettings

_COMMUNE_RE = re.compile(r"^[0-9]{5}$")
ENV_PASSWORD = "SOTREEM_SERVER_PASSWORD"


class CliError(Exception):
    """A message for the person at the terminal; the command exits with status 1."""


def _commune(value: str) -> str:
    if not _COMMUNE_RE.fullmatch(value):
        raise argparse.ArgumentTypeError(f"mã xã phải gồm đúng 5 chữ số, không phải '{value}'")
    return value


def _day(value: str) -> date:
    try:
        return merges.parse_day(value)
    except ServiceError as exc:
        raise argparse.ArgumentTypeError(exc.detail) from None


def _positive_hours(value: str) -> float:
    try:
        hours = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"số giờ không hợp lệ: '{value}'") from None
    if not 0 < hours <= enrollment.MAX_VALID_HOURS:
        raise argparse.ArgumentTypeError(
            f"số giờ phải lớn hơn 0 và không quá {enrollment.MAX_VALID_HOURS}"
        )
    return hours


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sotreem-server",
        description="Máy chủ đồng bộ Sổ Trẻ Em: chạy máy chủ, cấp mã đăng ký, quản lý máy.",
    )
    db = argparse.ArgumentParser(add_help=False)
    db.add_argument(
        "--db",
        metavar="URL",
        help="địa chỉ cơ sở dữ liệu SQLAlchemy (mặc định: $SOTREEM_SERVER_DB, hoặc tệp "
        "SQLite trong $SOTREEM_SERVER_HOME, mặc định ./sotreem-server-data)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="LỆNH")

    serve = commands.add_parser("serve", parents=[db], help="chạy máy chủ")
    serve.add_argument("--host", default="127.0.0.1", help="địa chỉ lắng nghe (127.0.0.1)")
    serve.add_argument("--port", type=int, default=8765, help="cổng (8765)")
    serve.add_argument(
        "--docs",
        action="store_true",
        help="bật trang tài liệu API /docs, /redoc và /openapi.json (cho lập trình viên; "
        "mặc định tắt)",
    )

    code = commands.add_parser(
        "enrollment-code", parents=[db], help="cấp một mã đăng ký dùng một lần cho một xã"
    )
    code.add_argument("--commune", type=_commune, required=True, help="mã xã (5 chữ số)")
    code.add_argument(
        "--valid-hours",
        type=_positive_hours,
        default=DEFAULT_ENROLLMENT_VALID_HOURS,
        help=f"thời hạn của mã, tính bằng giờ ({DEFAULT_ENROLLMENT_VALID_HOURS})",
    )

    offline = commands.add_parser(
        "enrollment-file",
        parents=[db],
        help="đăng ký một máy của xã không có mạng: ghi tệp đăng ký và in mã mở tệp",
    )
    offline.add_argument("--commune", type=_commune, required=True, help="mã xã (5 chữ số)")
    offline.add_argument("--device-name", required=True, help="tên máy, ví dụ “Máy tính UBND xã”")
    offline.add_argument("--output", type=Path, required=True, help="tệp đăng ký sẽ ghi")
    offline.add_argument(
        "--server-url", help="địa chỉ máy chủ, để máy xã dùng khi có mạng (không bắt buộc)"
    )

    report = commands.add_parser(
        "commune-summary", parents=[db], help="số bản ghi, số máy, lần gửi gần nhất của một xã"
    )
    report.add_argument("commune", type=_commune, help="mã xã (5 chữ số)")
    report.add_argument("--format", choices=("text", "json"), default="text")

    devices = commands.add_parser("devices", parents=[db], help="liệt kê các máy của một xã")
    devices.add_argument("--commune", type=_commune, required=True, help="mã xã (5 chữ số)")
    devices.add_argument("--format", choices=("text", "json"), default="text")

    revoke = commands.add_parser(
        "revoke-device", parents=[db], help="thu hồi quyền đồng bộ của một máy"
    )
    revoke.add_argument("device_id", metavar="ID", help="mã máy (xem lệnh devices)")

    user = commands.add_parser(
        "create-user",
        parents=[db],
        help=f"tạo tài khoản cán bộ cấp trên (mật khẩu: ${ENV_PASSWORD} hoặc hỏi khi chạy)",
    )
    user.add_argument("--username", required=True, help="tên đăng nhập (chữ thường, không dấu)")
    user.add_argument("--full-name", required=True, help="họ tên")
    user.add_argument(
        "--communes", required=True, help="các xã được xem và sửa: '*' hoặc 12345,23456"
    )
    user.add_argument(
        "--role",
        choices=("viewer", "approver", "administrator"),
        default="viewer",
        help="vai trò trên trang web: viewer (xem), approver (duyệt), administrator (quản trị)",
    )
    listing = commands.add_parser("users", parents=[db], help="liệt kê tài khoản cấp trên")
    listing.add_argument("--format", choices=("text", "json"), default="text")
    disable = commands.add_parser("disable-user", parents=[db], help="khóa một tài khoản cấp trên")
    disable.add_argument("username")

    correct = commands.add_parser(
        "correct", parents=[db], help="cấp trên sửa một bản ghi của xã (xã nhận khi đồng bộ)"
    )
    correct.add_argument("--user", required=True, help="tài khoản cấp trên thực hiện sửa")
    correct.add_argument("--commune", type=_commune, required=True, help="mã xã (5 chữ số)")
    correct.add_argument("--table", required=True, help="bảng, ví dụ persons")
    correct.add_argument("--id", required=True, dest="record_id", help="mã bản ghi (UUID)")
    correct.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="TRƯỜNG=GIÁ_TRỊ",
        help="trường cần sửa (lặp lại được); giá trị viết như JSON nếu không phải chuỗi",
    )
    group = correct.add_mutually_exclusive_group()
    group.add_argument("--delete", action="store_true", help="đánh dấu bản ghi đã xóa")
    group.add_argument("--undelete", action="store_true", help="bỏ đánh dấu đã xóa")

    merge = commands.add_parser(
        "merge-communes",
        parents=[db],
        help="khai báo các xã cũ đã gộp vào một xã mới; dữ liệu của chúng chuyển sang mã mới",
    )
    merge.add_argument("--user", required=True, help="tài khoản quản trị cấp trên thực hiện")
    merge.add_argument(
        "--into", type=_commune, required=True, metavar="MÃ_XÃ", help="mã xã mới (5 chữ số)"
    )
    merge.add_argument(
        "--from",
        dest="former",
        type=_commune,
        metavar="MÃ_XÃ",
        action="append",
        required=True,
        help="mã một xã cũ (lặp lại cho mỗi xã cũ)",
    )
    merge.add_argument(
        "--on", type=_day, required=True, metavar="NGÀY", help="ngày gộp có hiệu lực, dd/mm/yyyy"
    )

    imp = commands.add_parser(
        "import-transfer",
        parents=[db],
        help="nhận tệp chuyển dữ liệu của xã (USB, Zalo) và ghi tệp trả lời",
    )
    imp.add_argument("file", type=Path, help="tệp do xã xuất ra")
    imp.add_argument(
        "--answer", type=Path, help="tệp trả lời để gửi lại xã (mặc định: <tệp>.tra-loi)"
    )
    return parser


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _device_json(device: DeviceInfo) -> dict[str, Any]:
    return {
        "id": device.id,
        "commune_code": device.commune_code,
        "name": device.name,
        "created_at": _iso(device.created_at),
        "last_seen_at": _iso(device.last_seen_at),
        "revoked_at": _iso(device.revoked_at),
    }


def _local(value: datetime | None) -> str:
    return clock.format_datetime(value) if value is not None else "chưa có"


def _print_summary(report: summary.CommuneSummary, fmt: str, out: TextIO) -> None:
    if fmt == "json":
        data = {
            "commune_code": report.commune_code,
            "tables": {
                name: {"live": count.live, "deleted": count.deleted}
                for name, count in report.tables.items()
            },
            "devices": report.devices,
            "active_devices": report.active_devices,
            "last_push_at": _iso(report.last_push_at),
        }
        out.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        return
    out.write(f"Xã {report.commune_code}\n")
    for name, count in report.tables.items():
        out.write(f"  {name:<12} {count.live:>8} bản ghi, {count.deleted:>6} đã xóa\n")
    out.write(f"  Số máy: {report.devices} ({report.active_devices} đang hoạt động)\n")
    out.write(f"  Lần gửi gần nhất: {_local(report.last_push_at)}\n")


def _print_devices(devices: list[DeviceInfo], commune: str, fmt: str, out: TextIO) -> None:
    if fmt == "json":
        out.write(json.dumps([_device_json(d) for d in devices], ensure_ascii=False, indent=2))
        out.write("\n")
        return
    if not devices:
        out.write(f"Xã {commune} chưa có máy nào đăng ký.\n")
        return
    for d in devices:
        state = f"đã thu hồi {_local(d.revoked_at)}" if d.revoked_at else "đang hoạt động"
        out.write(
            f"{d.id}  {d.name}  đăng ký {_local(d.created_at)}  "
            f"lần cuối {_local(d.last_seen_at)}  {state}\n"
        )


def _password() -> str:
    from_env = os.environ.get(ENV_PASSWORD)
    if from_env:
        return from_env
    if not sys.stdin.isatty():
        raise CliError(f"Chưa có mật khẩu: đặt biến {ENV_PASSWORD} hoặc chạy trong cửa sổ lệnh.")
    first = getpass.getpass("Mật khẩu: ")
    if getpass.getpass("Nhập lại mật khẩu: ") != first:
        raise CliError("Hai lần nhập mật khẩu không khớp.")
    return first


def _parse_set(text: str, current: dict[str, Any] | None = None) -> tuple[str, JsonScalar]:
    """``field=value``: JSON for numbers, true/false/null and quoted strings, else text."""
    if "=" not in text:
        raise CliError(f"'{text}': cần dạng TRƯỜNG=GIÁ_TRỊ.")
    field, raw = text.split("=", 1)
    field = field.strip()
    old = (current or {}).get(field)
    if isinstance(old, str):
        return field, raw
    try:
        value = json.loads(raw)
    except ValueError:
        return field, raw
    if isinstance(value, (dict, list)):
        raise CliError(f"Trường '{field}': chỉ nhận chuỗi, số, true/false hoặc null.")
    result: JsonScalar = value
    return field, result


def _user_json(info: users.UserInfo) -> dict[str, Any]:
    return {
        "id": info.id,
        "username": info.username,
        "full_name": info.full_name,
        "communes": "*" if info.communes is None else list(info.communes),
        "created_at": _iso(info.created_at),
        "disabled_at": _iso(info.disabled_at),
    }


def _run_admin(args: argparse.Namespace, sessions: Any, out: TextIO) -> bool:
    """The user, correction and transfer commands; False if ``args`` is none of them."""
    if args.command == "create-user":
        info = users.create_user(
            sessions, args.username, args.full_name, _password(), args.communes, role=args.role
        )
        out.write(f"Đã tạo tài khoản {info.username} ({info.full_name}, {info.role}).\n")
    elif args.command == "users":
        found = users.list_users(sessions)
        if args.format == "json":
            out.write(json.dumps([_user_json(u) for u in found], ensure_ascii=False, indent=2))
            out.write("\n")
        for info in found if args.format == "text" else []:
            scope = "mọi xã" if info.communes is None else ", ".join(info.communes)
            state = f"đã khóa {_local(info.disabled_at)}" if info.disabled_at else "đang dùng"
            out.write(f"{info.username}  {info.full_name}  [{scope}]  {state}\n")
    elif args.command == "disable-user":
        info = users.disable_user(sessions, args.username)
        out.write(f"Đã khóa tài khoản {info.username}.\n")
    elif args.command == "correct":
        user = users.find_user(sessions, args.user)
        current = (
            summary.record_data(sessions, args.commune, args.table, args.record_id)
            if args.set
            else None
        )
        changes = dict(_parse_set(text, current) for text in args.set)
        delete = True if args.delete else (False if args.undelete else None)
        done = corrections.correct(
            sessions,
            user,
            commune_code=args.commune,
            table=args.table,
            record_id=args.record_id,
            changes=changes,
            delete=delete,
        )
        out.write(
            f"Đã sửa bản ghi {done.record_id} ({done.table}) của xã {done.commune_code}: "
            f"phiên bản {done.version}, số thứ tự thay đổi {done.seq}.\n"
        )
    elif args.command == "merge-communes":
        _merge_communes(args, sessions, out)
    elif args.command == "import-transfer":
        try:
            data = args.file.read_bytes()
        except OSError as exc:
            raise CliError(f"Không đọc được tệp {args.file}: {exc.strerror or exc}.") from exc
        sealed, answer = transfer.import_request(sessions, data)
        target = args.answer or args.file.with_name(args.file.name + ".tra-loi")
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_bytes(sealed)
        tmp.replace(target)
        applied = sum(a.statuses.count("a") for a in answer.answers)
        out.write(
            f"Đã nhận {len(answer.answers)} lô ({applied} bản ghi được ghi, "
            f"{sum(len(a.problems) for a in answer.answers)} xung đột hoặc bị từ chối, "
            f"{len(answer.refused)} lô bị từ chối). Tệp trả lời: {target} "
            f"({len(answer.pull.records)} thay đổi từ cấp trên).\n"
        )
    else:
        return False
    return True


def _merge_communes(args: argparse.Namespace, sessions: Any, out: TextIO) -> None:
    user = users.find_user(sessions, args.user)
    done = merges.declare(
        sessions, user, into_code=args.into, former_codes=args.former, merged_on=args.on
    )
    if done.already:
        out.write(
            f"Xã {', '.join(done.already)} đã được gộp vào xã {done.into_code} từ trước: "
            "không làm lại.\n"
        )
    if done.declared:
        aside = (
            f", {done.set_aside} phiên bản cũ hơn được giữ lại để đối chiếu"
            if done.set_aside
            else ""
        )
        out.write(
            f"Đã gộp xã {', '.join(done.declared)} vào xã {done.into_code} "
            f"(ngày {clock.format_date(args.on)}): {done.moved} bản ghi chuyển sang mã "
            f"{done.into_code}, {done.folded} bản ghi trùng gộp làm một"
            f"{aside}. "
            "Báo cáo đã chốt của các xã cũ giữ nguyên mã và số liệu.\n"
        )


def _enrollment_file(args: argparse.Namespace, sessions: Any, out: TextIO) -> None:
    target: Path = args.output
    if args.server_url and not re.match(r"^https?://[^\s/]+", args.server_url):
        raise CliError(
            "--server-url phải là địa chỉ http:// hoặc https://, ví dụ https://dongbo.tinh.gov.vn"
        )
    if target.exists():
        raise CliError(f"Tệp {target} đã có; hãy chọn tên khác (không ghi đè).")
    sealed, code, device_id = enrollment.register_offline(
        sessions, args.commune, args.device_name, server_url=args.server_url
    )
    tmp = target.with_name(target.name + ".tmp")
    try:
        tmp.write_bytes(sealed)
        tmp.replace(target)
    except OSError as exc:
        # The device exists but its token is nowhere: revoke it rather than leave it dangling.
        enrollment.revoke_device(sessions, device_id)
        raise CliError(f"Không ghi được tệp {target}: {exc.strerror or exc}.") from exc
    out.write(
        f"Đã đăng ký máy “{args.device_name.strip()}” của xã {args.commune} (mã máy {device_id}).\n"
        f"Tệp đăng ký: {target}\n"
        f"Mã mở tệp (chỉ hiện một lần, đọc cho cán bộ xã qua điện thoại, đừng gửi cùng tệp):\n"
        f"{code}\n"
    )


def _serve(settings: ServerSettings, host: str, port: int) -> None:
    # Imported here so that the administrative commands start fast and need no uvicorn.
    import uvicorn

    from sync.server.app import create_app

    app = create_app(settings)
    uvicorn.run(app, host=host, port=port, log_level="info", proxy_headers=True)


def _run(args: argparse.Namespace, out: TextIO) -> None:
    settings = ServerSettings.load(args.db, docs=getattr(args, "docs", False))
    if args.command == "serve":
        _serve(settings, args.host, args.port)
        return
    engine = open_database(settings.db_url)
    try:
        sessions = make_session_factory(engine)
        if args.command == "enrollment-code":
            code = enrollment.issue_code(sessions, args.commune, valid_hours=args.valid_hours)
            out.write(code + "\n")
        elif args.command == "enrollment-file":
            _enrollment_file(args, sessions, out)
        elif args.command == "commune-summary":
            _print_summary(summary.commune_summary(sessions, args.commune), args.format, out)
        elif args.command == "devices":
            devices = enrollment.list_devices(sessions, args.commune)
            _print_devices(devices, args.commune, args.format, out)
        elif args.command == "revoke-device":
            device = enrollment.revoke_device(sessions, args.device_id)
            out.write(f"Đã thu hồi máy {device.id} ({device.name}) của xã {device.commune_code}.\n")
        elif not _run_admin(args, sessions, out):
            raise CliError(f"Lệnh không biết: {args.command}")
    finally:
        engine.dispose()


def _utf8(stream: TextIO) -> None:
    # Windows consoles default to a legacy code page that cannot print Vietnamese.
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is not None:
        reconfigure(encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``sotreem-server``; returns the process exit status."""
    _utf8(sys.stdout)
    _utf8(sys.stderr)
    args = _parser().parse_args(argv)
    try:
        _run(args, sys.stdout)
    except ServiceError as exc:
        sys.stderr.write(f"Lỗi: {exc.detail}\n")
        return 1
    except CliError as exc:
        sys.stderr.write(f"Lỗi: {exc}\n")
        return 1
    except SQLAlchemyError as exc:
        sys.stderr.write(
            f"Lỗi: không mở được cơ sở dữ liệu của máy chủ ({type(exc).__name__}: {exc}).\n"
        )
        return 1
    except ImportError as exc:
        # e.g. a postgresql+psycopg:// URL on a machine without the psycopg package.
        sys.stderr.write(f"Lỗi: thiếu thư viện để mở cơ sở dữ liệu này ({exc.name or exc}).\n")
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
