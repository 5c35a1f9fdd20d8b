"""The upstream server address typed by the officer."""

from __future__ import annotations

from urllib.parse import urlsplit

from desktop.core.domain.errors import FieldProblem, ValidationError


def check_server_url(text: str | None, field: str = "upstream_url") -> str | None:
    """An http(s) address with a host, without trailing slash; empty means "set later"."""
    value = (text or "").strip()
    if not value:
        return None
    parts = urlsplit(value)
    try:
        port_ok = parts.port is None or 0 < parts.port < 65536
    except ValueError:
        port_ok = False
    if parts.scheme not in {"http", "https"} or not parts.hostname or not port_ok:
        raise ValidationError(
            FieldProblem(
                field,
                f"Địa chỉ máy chủ “{value}” không hợp lệ. "
                "Hãy nhập dạng https://ten-may-chu.gov.vn hoặc http://192.168.1.10:8765.",
            )
        )
    if " " in value:
        raise ValidationError(FieldProblem(field, "Địa chỉ máy chủ không được có dấu cách."))
    return value.rstrip("/")
