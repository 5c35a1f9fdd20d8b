"""Enrolment: register this book with the server (by code or by file), its address and CA."""

from __future__ import annotations

import hashlib
import secrets
import socket
from pathlib import Path

from desktop.core.domain.errors import FieldProblem, ValidationError
from desktop.core.domain.permissions import Action
from desktop.core.domain.urls import check_server_url
from desktop.core.storage.repositories import sync_rows as repo
from desktop.core.storage.tracking import SYNC_APPLY
from desktop.core.sync_service.base import _ServiceBase
from sync import enrollment_file
from sync.protocol import normalize_enrollment_code
from sync.retry import with_retries


def _check_pem(text: str) -> None:
    import ssl

    if "-----BEGIN CERTIFICATE-----" not in text:
        raise ValidationError(
            FieldProblem(
                "ca_bundle",
                "Tệp chứng chỉ phải ở dạng PEM (có dòng -----BEGIN CERTIFICATE-----). "
                "Hãy xin cấp trên đúng tệp chứng chỉ CA.",
            )
        )
    try:
        ssl.create_default_context(cadata=text)
    except (ssl.SSLError, ValueError) as exc:
        raise ValidationError(
            FieldProblem("ca_bundle", f"Tệp chứng chỉ không đọc được ({exc}). Hãy xin lại tệp.")
        ) from exc


class _Enrolment(_ServiceBase):
    """Enrol, set the server's address and trusted CA, and read the device's credentials."""

    def set_ca_bundle(self, pem: str | None) -> None:
        """Trust only these CA certificates (PEM) for the upstream server; None: the system's."""
        self._book.user.require(Action.SYNC)
        text = (pem or "").strip()
        if text:
            _check_pem(text)
        with self._book.transaction() as session:
            repo.settings(session).ca_bundle_pem = text + "\n" if text else None

    def enroll(self, server_url: str, code: str) -> None:
        """Register this book with the server using a one-time code issued upstream."""
        self._book.user.require(Action.SYNC)
        url = check_server_url(server_url)
        if url is None:
            raise ValidationError(FieldProblem("upstream_url", "Chưa nhập địa chỉ máy chủ."))
        clean_code = (code or "").strip()
        if not clean_code:
            raise ValidationError(FieldProblem("code", "Chưa nhập mã đăng ký thiết bị."))
        commune = self._book.commune()
        nonce = self._enrolment_nonce(clean_code)
        name = socket.gethostname()[:100] or "may-xa"
        with self._client(url, None) as client:
            # Safe to repeat: a lost answer is retried with the same nonce (same device).
            answer = with_retries(
                lambda: client.enroll(clean_code, commune.code, name, nonce),
                self._retry,
                rng=self._rng,
                sleep=self._sleep,
            )
        with self._book.transaction() as session:
            session.info[SYNC_APPLY] = True
            settings = repo.settings(session)
            settings.upstream_url = url
            settings.device_id = answer.device_id
            settings.device_token = answer.token
            # A new enrolment starts reading the server's changes from the beginning.
            settings.pull_cursor = 0

    def _enrolment_nonce(self, code: str) -> str:
        """The nonce of this book's attempt with ``code``: made once, kept before sending.

        A code typed again (the answer was lost, the program was closed) finds its nonce; a
        new code gets a new one.
        """
        code_hash = hashlib.sha256(normalize_enrollment_code(code).encode("utf-8")).hexdigest()
        with self._book.transaction() as session:
            session.info[SYNC_APPLY] = True
            settings = repo.settings(session)
            if settings.enrolment_code_hash != code_hash or not settings.enrolment_nonce:
                settings.enrolment_nonce = secrets.token_urlsafe(32)
                settings.enrolment_code_hash = code_hash
            return settings.enrolment_nonce

    def set_server_url(self, server_url: str) -> str:
        """Give a book enrolled from a file the server's address, for online sync later."""
        self._book.user.require(Action.SYNC)
        url = check_server_url(server_url)
        if url is None:
            raise ValidationError(FieldProblem("upstream_url", "Chưa nhập địa chỉ máy chủ."))
        with self._book.transaction() as session:
            session.info[SYNC_APPLY] = True
            settings = repo.settings(session)
            if not settings.device_token:
                raise ValidationError(
                    FieldProblem(
                        "upstream_url",
                        "Máy này chưa đăng ký; hãy đăng ký bằng mã (có mạng) hoặc bằng tệp.",
                    )
                )
            settings.upstream_url = url
        return url

    def enroll_from_file(self, path: Path, code: str) -> str:
        """Register this book from an enrolment file made upstream (no connection needed).

        ``code`` is the file's one-time opening code, given separately by upstream. Returns
        the device name the file was made for. Nothing is written unless everything checks.
        """
        self._book.user.require(Action.SYNC)
        try:
            # Read at most one byte past the limit: a huge file is refused without loading it.
            with path.open("rb") as handle:
                data = handle.read(enrollment_file.MAX_FILE_BYTES + 1)
        except OSError as exc:
            raise ValidationError(
                FieldProblem("enroll_file", f"Không đọc được tệp {path}: {exc.strerror or exc}.")
            ) from exc
        try:
            header, secret = enrollment_file.open_file(data, code or "")
        except enrollment_file.EnrollmentFileError as exc:
            field = "enroll_code" if exc.code.startswith("enrollment_code") else "enroll_file"
            raise ValidationError(FieldProblem(field, exc.message_vi)) from exc
        commune = self._book.commune()
        if header.commune_code != commune.code:
            raise ValidationError(
                FieldProblem(
                    "enroll_file",
                    f"Tệp đăng ký này dành cho xã có mã {header.commune_code}, không phải xã "
                    f"{commune.code} của sổ này. Chưa có gì được ghi vào sổ.",
                )
            )
        url = check_server_url(secret.server_url) if secret.server_url else None
        with self._book.transaction() as session:
            session.info[SYNC_APPLY] = True
            settings = repo.settings(session)
            if url is not None:
                settings.upstream_url = url
            settings.device_id = secret.device_id
            settings.device_token = secret.token
            settings.pull_cursor = 0
        return header.device_name

    def credentials(self, *, need_url: bool = True) -> tuple[str, str, str]:
        """(server URL, device token, device id); ValidationError if not enrolled.

        A book enrolled from a file may have no server address: transfer files need none
        (``need_url=False``); an online sync does.
        """
        with self._book.read() as session:
            settings = repo.settings(session)
            url, token, device_id = (
                settings.upstream_url,
                settings.device_token,
                settings.device_id,
            )
        if not token or not device_id:
            raise ValidationError(
                FieldProblem(
                    "upstream_url",
                    "Máy này chưa đăng ký với máy chủ cấp trên. Hãy nhập địa chỉ máy chủ và "
                    "mã đăng ký thiết bị, hoặc (xã không có mạng) nhập tệp đăng ký do cấp "
                    "trên gửi.",
                )
            )
        if need_url and not url:
            raise ValidationError(
                FieldProblem(
                    "upstream_url",
                    "Máy này đã đăng ký bằng tệp nhưng chưa có địa chỉ máy chủ, nên chỉ dùng "
                    "được tệp chuyển dữ liệu. Khi có mạng, hãy hỏi cấp trên địa chỉ máy chủ.",
                )
            )
        return url or "", token, device_id
