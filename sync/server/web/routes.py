"""The dashboard's pages: sign-in, communes, period overview, combined indicators, reports,
decisions, exports and administration. Every form carries the session's CSRF token; every
commune-specific address answers 404 outside the signed-in person's scope."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote

from fastapi import APIRouter, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.orm import Session, sessionmaker

from sync import clock
from sync.server.services import dashboard, enrollment, merges, reports, users, web_auth
from sync.server.services.errors import ErrorKind, ServiceError
from sync.server.services.web_auth import WebUser
from sync.server.settings import ServerSettings
from sync.server.web import charts, export

HERE = Path(__file__).resolve().parent
COOKIE = "sotreem_phien"
MAX_FORM_BYTES = 64 * 1024
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
_STATUS = {
    ErrorKind.INVALID: 400,
    ErrorKind.UNAUTHENTICATED: 401,
    ErrorKind.FORBIDDEN: 403,
    ErrorKind.NOT_FOUND: 404,
    ErrorKind.CONFLICT: 409,
}

router = APIRouter(include_in_schema=False)


def _local(value: datetime | None) -> str:
    return clock.format_datetime(value) or "chưa có"


_env = Environment(
    loader=FileSystemLoader(str(HERE / "templates")),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.filters["dt"] = _local
_env.filters["d"] = clock.format_date
_env.filters["num"] = export.fmt
_env.globals["status_labels"] = reports.STATUS_LABELS
_env.globals["roles"] = users.ROLES
_env.globals["commune_types"] = dashboard.COMMUNE_TYPES
_env.globals["tiers"] = dashboard.TIER_NAMES


class _Redirect(Exception):
    def __init__(self, to: str) -> None:
        super().__init__(to)
        self.to = to


def _sessions(request: Request) -> sessionmaker[Session]:
    factory: sessionmaker[Session] = request.app.state.sessions
    return factory


def _settings(request: Request) -> ServerSettings:
    settings: ServerSettings = request.app.state.settings
    return settings


def _render(
    request: Request, name: str, status: int = 200, user: WebUser | None = None, **ctx: Any
) -> HTMLResponse:
    tier, office = dashboard.tier(_sessions(request))
    html = _env.get_template(name).render(
        user=user,
        tier_name=dashboard.TIER_NAMES.get(tier, tier),
        office=office,
        server_name=_settings(request).name,
        path=request.url.path,
        **ctx,
    )
    return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)


async def _user(request: Request, *, admin: bool = False) -> WebUser:
    token = request.cookies.get(COOKIE, "")
    user = await run_in_threadpool(web_auth.resolve, _sessions(request), token)
    if user is None:
        raise _Redirect("/dang-nhap?tiep=" + quote(request.url.path))
    if admin and not user.is_admin:
        raise ServiceError(
            ErrorKind.FORBIDDEN, "admin_only", "Chỉ quản trị viên được dùng trang này."
        )
    return user


async def _form(request: Request, user: WebUser | None) -> dict[str, str]:
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise ServiceError(ErrorKind.INVALID, "form_too_large", "Biểu mẫu quá lớn.")
    try:
        parsed = parse_qs(body.decode("utf-8"), keep_blank_values=True)
    except UnicodeDecodeError:
        raise ServiceError(ErrorKind.INVALID, "form_encoding", "Biểu mẫu không đọc được.") from None
    form = {key: values[0] for key, values in parsed.items()}
    if user is not None:
        web_auth.check_csrf(user, form.get("csrf", ""))
    return form


def _back(to: str, message: str = "") -> RedirectResponse:
    target = to + (("&" if "?" in to else "?") + "tb=" + quote(message) if message else "")
    return RedirectResponse(target, status_code=303, headers=SECURITY_HEADERS)


def install(app: FastAPI) -> None:
    """Mount the dashboard on ``app``: pages, static files, its error pages."""
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    api_handler = app.exception_handlers.get(ServiceError)

    async def redirect(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, _Redirect)
        return RedirectResponse(exc.to, status_code=303, headers=SECURITY_HEADERS)

    async def service_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ServiceError)
        if request.url.path.startswith("/api/") and api_handler is not None:
            answer = api_handler(request, exc)
            assert not isinstance(answer, Response)
            result: Response = await answer
            return result
        return _render(request, "error.html", _STATUS[exc.kind], message=exc.detail)

    app.add_exception_handler(_Redirect, redirect)
    app.add_exception_handler(ServiceError, service_error)


# -- sign-in ----------------------------------------------------------------------------------


def _safe_next(value: str) -> str:
    return (
        value
        if re.fullmatch(r"/[A-Za-z0-9/_.\-]*", value or "") and not value.startswith("//")
        else "/"
    )


@router.get("/dang-nhap")
async def login_page(request: Request, tiep: str = "/") -> HTMLResponse:
    """The sign-in form."""
    return _render(request, "login.html", next=_safe_next(tiep), error="")


@router.post("/dang-nhap")
async def login(request: Request) -> Response:
    """Check the password (rate-limited) and set the session cookie."""
    form = await _form(request, None)
    address = request.client.host if request.client else "?"
    target = _safe_next(form.get("tiep", "/"))
    try:
        token, _signed_in = await run_in_threadpool(
            web_auth.login,
            _sessions(request),
            form.get("username", ""),
            form.get("password", ""),
            address,
        )
    except ServiceError as exc:
        return _render(request, "login.html", _STATUS[exc.kind], next=target, error=exc.detail)
    response = RedirectResponse(target, status_code=303, headers=SECURITY_HEADERS)
    response.set_cookie(
        COOKIE,
        token,
        httponly=True,
        secure=_settings(request).cookie_secure,
        samesite="strict",
        path="/",
    )
    return response


@router.post("/dang-xuat")
async def logout(request: Request) -> Response:
    """End the session."""
    user = await _user(request)
    await _form(request, user)
    await run_in_threadpool(web_auth.logout, _sessions(request), request.cookies.get(COOKIE, ""))
    response = RedirectResponse("/dang-nhap", status_code=303, headers=SECURITY_HEADERS)
    response.delete_cookie(COOKIE, path="/")
    return response


# -- reading pages ----------------------------------------------------------------------------


@router.get("/")
async def home(request: Request) -> Response:
    """The newest period's overview."""
    await _user(request)
    codes = await run_in_threadpool(reports.periods, _sessions(request))
    today = clock.today()
    # The period whose deadline is nearest and not long past comes first.
    current = next(
        (
            c
            for c in reversed(codes)
            if reports.parse_period(c)[0] == today.year and _due(request, c) >= today
        ),
        codes[0],
    )
    return _back(f"/ky/{current}")


def _due(request: Request, code: str) -> date:
    with _sessions(request)() as session:
        return reports.due_date(session, code)


@router.get("/xa")
async def communes_page(request: Request) -> HTMLResponse:
    """Communes: code, name, type, last sync, pending sync problems, devices."""
    user = await _user(request)
    rows = await run_in_threadpool(dashboard.communes, _sessions(request), user.info)
    return _render(request, "communes.html", user=user, rows=rows)


@router.get("/ky/{code}")
async def period_page(request: Request, code: str) -> HTMLResponse:
    """Each commune's report status for the period, the rates and a chart."""
    user = await _user(request)
    view = await run_in_threadpool(reports.overview, _sessions(request), user.info, code)
    periods = await run_in_threadpool(reports.periods, _sessions(request))
    order = ("late", "returned", "not_started", "draft", "on_time", "resubmitted", "approved")
    status_chart = charts.bars(
        [(reports.STATUS_LABELS[s], float(view.counts.get(s, 0))) for s in order],
        title="Số xã theo trạng thái báo cáo",
        highlight=[s in ("late", "returned", "not_started") for s in order],
    )
    rate_chart = charts.bars(
        [("Tỷ lệ gửi báo cáo", view.reporting_rate), ("Tỷ lệ gửi đúng hạn", view.on_time_rate)],
        title="Tỷ lệ gửi báo cáo và gửi đúng hạn",
        maximum=100.0,
        unit="%",
    )
    return _render(
        request,
        "period.html",
        user=user,
        view=view,
        periods=periods,
        status_chart=status_chart,
        rate_chart=rate_chart,
        message=request.query_params.get("tb", ""),
    )


@router.get("/ky/{code}/chi-tieu")
async def combined_page(request: Request, code: str, ma: str = "") -> HTMLResponse:
    """Every indicator combined over the communes in scope; ``ma`` drills into one."""
    user = await _user(request)
    table = await run_in_threadpool(
        reports.combined, _sessions(request), user.info, code, drill=ma or None
    )
    chosen = next((i for i in table.indicators if i.code == ma), None)
    chart = ""
    if chosen is not None:
        chart = charts.bars(
            [(f"{c.commune_code} {c.commune_name}", c.value) for c in chosen.communes],
            title=f"{chosen.code} theo xã",
            maximum=reports.FACTORS.get(chosen.unit),
            highlight=[bool(c.flags) for c in chosen.communes],
        )
    else:
        rates = [i for i in table.indicators if i.unit in reports.FACTORS and i.unit == "percent"]
        chart = charts.bars(
            [(i.code, i.value) for i in rates],
            title="Các chỉ tiêu tỷ lệ (%) — giá trị chung",
            maximum=100.0,
            unit="%",
        )
    return _render(request, "combined.html", user=user, table=table, chosen=chosen, chart=chart)


@router.get("/ky/{code}/chi-tieu.xlsx")
async def combined_xlsx(request: Request, code: str) -> Response:
    """The combined table as .xlsx."""
    user = await _user(request)
    table = await run_in_threadpool(
        reports.combined, _sessions(request), user.info, code, every_commune=True
    )
    _tier, office = dashboard.tier(_sessions(request))
    data = await run_in_threadpool(export.combined_xlsx, table, office or _settings(request).name)
    return Response(
        data,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={
            **SECURITY_HEADERS,
            "Content-Disposition": f'attachment; filename="tong-hop-chi-tieu-{code}.xlsx"',
        },
    )


@router.get("/ky/{code}/chi-tieu.pdf")
async def combined_pdf(request: Request, code: str) -> Response:
    """The combined table as a PDF in the administrative layout."""
    user = await _user(request)
    table = await run_in_threadpool(reports.combined, _sessions(request), user.info, code)
    tier, office = dashboard.tier(_sessions(request))
    data = await run_in_threadpool(
        export.combined_pdf, table, office, dashboard.TIER_NAMES.get(tier, tier), clock.today()
    )
    return Response(
        data,
        media_type="application/pdf",
        headers={
            **SECURITY_HEADERS,
            "Content-Disposition": f'attachment; filename="tong-hop-chi-tieu-{code}.pdf"',
        },
    )


@router.get("/bao-cao/{report_id}")
async def report_page(request: Request, report_id: str) -> HTMLResponse:
    """One commune's report version: numbers, status, history, and the decision form."""
    user = await _user(request)
    view = await run_in_threadpool(reports.report_view, _sessions(request), user.info, report_id)
    return _render(
        request, "report.html", user=user, view=view, message=request.query_params.get("tb", "")
    )


@router.get("/bao-cao/{report_id}/van-ban.pdf")
async def report_document(request: Request, report_id: str) -> Response:
    """The report version's PDF as the commune finalised it (in scope; the download audited)."""
    user = await _user(request)
    found = await run_in_threadpool(
        reports.report_document, _sessions(request), user.info, report_id
    )
    return Response(
        found.content,
        media_type="application/pdf",
        headers={
            **SECURITY_HEADERS,
            "Content-Disposition": f'attachment; filename="{found.file_name}"',
        },
    )


@router.post("/bao-cao/{report_id}/quyet-dinh")
async def decide(request: Request, report_id: str) -> Response:
    """Approve or return the report (approvers, in scope)."""
    user = await _user(request)
    form = await _form(request, user)
    decision = "approved" if form.get("quyet_dinh") == "duyet" else "returned"
    await run_in_threadpool(
        reports.decide,
        _sessions(request),
        user.info,
        report_id,
        decision=decision,
        comment=form.get("nhan_xet", ""),
    )
    done = "Đã duyệt báo cáo." if decision == "approved" else "Đã trả lại báo cáo cho xã."
    return _back(f"/bao-cao/{report_id}", done)


# -- administration ---------------------------------------------------------------------------


@router.get("/quan-tri")
async def admin_page(request: Request) -> HTMLResponse:
    """Users and scopes, communes, calendar, the upstream tier, the audit trail."""
    user = await _user(request, admin=True)
    factory = _sessions(request)
    tier, office = dashboard.tier(factory)
    return _render(
        request,
        "admin.html",
        user=user,
        people=await run_in_threadpool(users.list_users, factory),
        communes=await run_in_threadpool(dashboard.communes, factory, user.info),
        deadlines=await run_in_threadpool(dashboard.deadlines, factory),
        tier=tier,
        office_value=office,
        audit=await run_in_threadpool(dashboard.audit, factory, 100),
        merges=await run_in_threadpool(merges.declared, factory, user.info),
        message=request.query_params.get("tb", ""),
    )


async def _admin_post(
    request: Request, action: Callable[[WebUser, dict[str, str]], str]
) -> Response:
    user = await _user(request, admin=True)
    form = await _form(request, user)
    try:
        message = await run_in_threadpool(action, user, form)
    except ServiceError as exc:
        return _render(request, "error.html", _STATUS[exc.kind], user=user, message=exc.detail)
    return _back("/quan-tri", message)


def _int(form: dict[str, str], key: str) -> int:
    try:
        return int(form.get(key, "").strip() or "0")
    except ValueError:
        raise ServiceError(ErrorKind.INVALID, "invalid_number", f"Ô «{key}» phải là số.") from None


@router.post("/quan-tri/nguoi-dung")
async def add_user(request: Request) -> Response:
    """Create an upstream account."""
    factory = _sessions(request)

    def act(user: WebUser, form: dict[str, str]) -> str:
        info = users.create_user(
            factory,
            form.get("username", ""),
            form.get("full_name", ""),
            form.get("password", ""),
            form.get("communes", ""),
            role=form.get("role", "viewer"),
        )
        web_auth.record(factory, user.info.username, "user_created", info.username, info.role)
        return f"Đã tạo tài khoản {info.username}."

    return await _admin_post(request, act)


@router.post("/quan-tri/nguoi-dung/{username}")
async def change_user(request: Request, username: str) -> Response:
    """Change an account's role and scope, or disable it."""
    factory = _sessions(request)

    def act(user: WebUser, form: dict[str, str]) -> str:
        if form.get("khoa") == "1":
            if username == user.info.username:
                raise ServiceError(
                    ErrorKind.INVALID, "self_disable", "Không tự khóa tài khoản mình."
                )
            users.disable_user(factory, username)
            web_auth.record(factory, user.info.username, "user_disabled", username)
            return f"Đã khóa tài khoản {username}."
        web_auth.set_role_and_scope(
            factory, user.info.username, username, form.get("role", ""), form.get("communes", "")
        )
        return f"Đã lưu tài khoản {username}."

    return await _admin_post(request, act)


@router.post("/quan-tri/xa")
async def save_commune(request: Request) -> Response:
    """Add or change a commune."""
    factory = _sessions(request)

    def act(user: WebUser, form: dict[str, str]) -> str:
        code = form.get("code", "").strip()
        if not user.info.may_act_for(code) and user.info.communes is not None:
            raise ServiceError(ErrorKind.NOT_FOUND, "commune_not_found", "Không có xã này.")
        dashboard.save_commune(
            factory,
            user.info.username,
            code=code,
            name=form.get("name", ""),
            commune_type=form.get("commune_type", ""),
            province_code=form.get("province_code", ""),
        )
        return f"Đã lưu xã {code}."

    return await _admin_post(request, act)


@router.post("/quan-tri/lich")
async def save_deadline(request: Request) -> Response:
    """Set a deadline of the reporting calendar."""
    factory = _sessions(request)

    def act(user: WebUser, form: dict[str, str]) -> str:
        dashboard.save_deadline(
            factory,
            user.info.username,
            province_code=form.get("province_code", ""),
            year=_int(form, "year"),
            report_type=form.get("report_type", ""),
            due_day=_int(form, "due_day"),
            due_month=_int(form, "due_month"),
        )
        return "Đã lưu lịch báo cáo."

    return await _admin_post(request, act)


@router.post("/quan-tri/cap")
async def save_tier(request: Request) -> Response:
    """Set the upstream tier's name and the office."""
    factory = _sessions(request)

    def act(user: WebUser, form: dict[str, str]) -> str:
        dashboard.save_tier(
            factory, user.info.username, form.get("tier", ""), form.get("office", "")
        )
        return "Đã lưu cấp quản lý."

    return await _admin_post(request, act)


@router.post("/quan-tri/gop-xa")
async def merge_communes(request: Request) -> Response:
    """Declare that former communes joined a new one; their records move to its code."""
    factory = _sessions(request)

    def act(user: WebUser, form: dict[str, str]) -> str:
        formers = [c.strip() for c in re.split(r"[,;\s]+", form.get("former", "")) if c.strip()]
        done = merges.declare(
            factory,
            user.info,
            into_code=form.get("into", "").strip(),
            former_codes=formers,
            merged_on=merges.parse_day(form.get("merged_on", "")),
        )
        if not done.declared:
            return f"Các xã này đã được gộp vào xã {done.into_code} từ trước: không làm lại."
        return (
            f"Đã gộp xã {', '.join(done.declared)} vào xã {done.into_code}: {done.moved} bản ghi "
            f"chuyển sang mã mới, {done.folded} bản ghi trùng gộp làm một."
        )

    return await _admin_post(request, act)


def _in_scope(user: WebUser, commune: str) -> str:
    if not re.fullmatch(r"[0-9]{5}", commune) or not user.info.may_act_for(commune):
        raise ServiceError(ErrorKind.NOT_FOUND, "commune_not_found", "Không có xã này.")
    return commune


@router.get("/quan-tri/xa/{commune}")
async def commune_devices(request: Request, commune: str) -> HTMLResponse:
    """A commune's devices, and forms for enrolment codes and files."""
    user = await _user(request, admin=True)
    _in_scope(user, commune)
    devices = await run_in_threadpool(enrollment.list_devices, _sessions(request), commune)
    return _render(
        request,
        "devices.html",
        user=user,
        commune=commune,
        devices=devices,
        message=request.query_params.get("tb", ""),
        issued="",
        file_b64="",
    )


@router.post("/quan-tri/xa/{commune}/ma-dang-ky")
async def issue_code(request: Request, commune: str) -> HTMLResponse:
    """Issue a one-time enrolment code (shown once)."""
    user = await _user(request, admin=True)
    _in_scope(user, commune)
    form = await _form(request, user)
    hours = _int(form, "hours") or 72
    factory = _sessions(request)
    code = await run_in_threadpool(enrollment.issue_code, factory, commune, valid_hours=hours)
    web_auth.record(factory, user.info.username, "enrollment_code", commune, f"{hours} giờ")
    devices = await run_in_threadpool(enrollment.list_devices, factory, commune)
    return _render(
        request,
        "devices.html",
        user=user,
        commune=commune,
        devices=devices,
        message="",
        issued=code,
        file_b64="",
    )


@router.post("/quan-tri/xa/{commune}/tep-dang-ky")
async def issue_file(request: Request, commune: str) -> HTMLResponse:
    """Register a device without a connection: the file to download and its opening code."""
    user = await _user(request, admin=True)
    _in_scope(user, commune)
    form = await _form(request, user)
    factory = _sessions(request)
    sealed, code, device_id = await run_in_threadpool(
        enrollment.register_offline,
        factory,
        commune,
        form.get("device_name", ""),
        server_url=form.get("server_url", "").strip() or None,
    )
    web_auth.record(factory, user.info.username, "enrollment_file", commune, device_id)
    devices = await run_in_threadpool(enrollment.list_devices, factory, commune)
    return _render(
        request,
        "devices.html",
        user=user,
        commune=commune,
        devices=devices,
        message="",
        issued=code,
        file_b64=base64.b64encode(sealed).decode("ascii"),
    )


@router.post("/quan-tri/may/{device_id}/thu-hoi")
async def revoke(request: Request, device_id: str) -> Response:
    """Revoke a device of an in-scope commune."""
    user = await _user(request, admin=True)
    await _form(request, user)
    factory = _sessions(request)
    commune = await run_in_threadpool(dashboard.device_commune, factory, device_id)
    _in_scope(user, commune)
    await run_in_threadpool(enrollment.revoke_device, factory, device_id)
    web_auth.record(factory, user.info.username, "device_revoked", f"{commune}/{device_id}")
    return _back(f"/quan-tri/xa/{commune}", "Đã thu hồi máy.")
