"""The key file: the database's random master key, wrapped once per user and once for recovery.

Each wrap derives a key-encryption key from a secret (a user's password, or the recovery
code) with Argon2id, and seals the master key with AES-256-GCM. The file holds no secret in
clear: only salts, KDF parameters, nonces and ciphertexts, plus the login lockout counters.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from desktop.core.files import write_atomically
from sync import clock

FORMAT_VERSION = 1
MASTER_KEY_BYTES = 32
_RECOVERY_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
_RECOVERY_GROUPS = 6
_RECOVERY_GROUP_LEN = 4
_LOCKOUT_FREE_TRIES = 3
_LOCKOUT_BASE_SECONDS = 30
_LOCKOUT_MAX_SECONDS = 15 * 60


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost; stored with each wrap so it can be raised later for new wraps."""

    time_cost: int = 3
    memory_kib: int = 64 * 1024
    parallelism: int = 2


DEFAULT_KDF = KdfParams()


class KeyFileError(Exception):
    """The key file is missing, unreadable or does not belong to this book."""

    def __init__(self, message_vi: str) -> None:
        super().__init__(message_vi)
        self.message_vi = message_vi


class WrongSecret(Exception):
    """The password or recovery code does not unwrap the master key."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"))


def _derive(secret: str, salt: bytes, params: KdfParams) -> bytes:
    return hash_secret_raw(
        secret=secret.encode("utf-8"),
        salt=salt,
        time_cost=params.time_cost,
        memory_cost=params.memory_kib,
        parallelism=params.parallelism,
        hash_len=32,
        type=Type.ID,
    )


def _wrap(master_key: bytes, secret: str, label: str, params: KdfParams) -> dict[str, Any]:
    salt = os.urandom(16)
    nonce = os.urandom(12)
    kek = _derive(secret, salt, params)
    sealed = AESGCM(kek).encrypt(nonce, master_key, label.encode("utf-8"))
    return {"salt": _b64(salt), "nonce": _b64(nonce), "sealed": _b64(sealed), "kdf": asdict(params)}


def _unwrap(entry: dict[str, Any], secret: str, label: str) -> bytes:
    params = KdfParams(**entry["kdf"])
    kek = _derive(secret, _unb64(entry["salt"]), params)
    try:
        return AESGCM(kek).decrypt(_unb64(entry["nonce"]), _unb64(entry["sealed"]), label.encode())
    except InvalidTag as exc:
        raise WrongSecret from exc


def new_master_key() -> bytes:
    """A fresh random database key."""
    return secrets.token_bytes(MASTER_KEY_BYTES)


def new_recovery_code() -> str:
    """A recovery code to write down, e.g. ``7K2M-9QXA-…`` (120 random bits)."""
    groups = [
        "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_GROUP_LEN))
        for _ in range(_RECOVERY_GROUPS)
    ]
    return "-".join(groups)


def normalise_recovery_code(text: str) -> str:
    """Accept the code as typed: any case, spaces or dashes, O for 0 and I/L for 1."""
    cleaned = "".join(ch for ch in text.upper() if ch.isalnum())
    cleaned = cleaned.replace("O", "0").replace("I", "1").replace("L", "1")
    return "-".join(
        cleaned[i : i + _RECOVERY_GROUP_LEN] for i in range(0, len(cleaned), _RECOVERY_GROUP_LEN)
    )


def lockout_delay(failures: int) -> int:
    """Seconds to wait after ``failures`` wrong passwords in a row (grows, then caps)."""
    if failures < _LOCKOUT_FREE_TRIES:
        return 0
    return int(
        min(_LOCKOUT_MAX_SECONDS, _LOCKOUT_BASE_SECONDS * 2 ** (failures - _LOCKOUT_FREE_TRIES))
    )


class KeyFile:
    """The on-disk key file of one book."""

    def __init__(self, path: Path, data: dict[str, Any]) -> None:
        self.path = path
        self._data = data

    # -- creation and loading -------------------------------------------------------------

    @classmethod
    def create(
        cls,
        path: Path,
        *,
        book_id: str,
        commune_code: str,
        master_key: bytes,
        username: str,
        password: str,
        recovery_code: str,
        params: KdfParams | None = None,
    ) -> KeyFile:
        """A new key file with one user and the recovery wrap (not yet saved)."""
        kdf = params or DEFAULT_KDF
        data: dict[str, Any] = {
            "format": FORMAT_VERSION,
            "book_id": book_id,
            "commune_code": commune_code,
            "users": {},
            "recovery": _wrap(master_key, normalise_recovery_code(recovery_code), "rec", kdf),
            "lockout": {},
        }
        key_file = cls(path, data)
        key_file.set_password(username, password, master_key, params=kdf)
        return key_file

    @classmethod
    def load(cls, path: Path) -> KeyFile:
        """Read the key file; a clear Vietnamese error if it is missing or damaged."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise KeyFileError(
                f"Không tìm thấy tệp khóa {path.name} bên cạnh dữ liệu. "
                "Hãy khôi phục từ bản sao lưu."
            ) from exc
        except (OSError, ValueError) as exc:
            raise KeyFileError(
                f"Tệp khóa {path.name} bị hỏng hoặc không đọc được. Hãy khôi phục từ bản sao lưu."
            ) from exc
        if not isinstance(data, dict) or data.get("format") != FORMAT_VERSION:
            raise KeyFileError(f"Tệp khóa {path.name} không đúng định dạng của Sổ Trẻ Em.")
        return cls(path, data)

    def save(self) -> None:
        """Write atomically: a crash leaves either the old file or the new one, never half."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(self._data, indent=1, sort_keys=True)
        write_atomically(self.path, text.encode("utf-8"))

    # -- facts ----------------------------------------------------------------------------

    @property
    def book_id(self) -> str:
        return str(self._data["book_id"])

    @property
    def commune_code(self) -> str:
        return str(self._data["commune_code"])

    def usernames(self) -> list[str]:
        return sorted(self._data["users"])

    def has_user(self, username: str) -> bool:
        return username in self._data["users"]

    # -- secrets --------------------------------------------------------------------------

    def unlock(self, username: str, password: str) -> bytes:
        """The master key, if ``password`` is ``username``'s; WrongSecret otherwise."""
        entry = self._data["users"].get(username)
        if entry is None:
            raise WrongSecret
        return _unwrap(entry, password, f"user:{username}")

    def unlock_with_recovery(self, recovery_code: str) -> bytes:
        """The master key, if the recovery code is right; WrongSecret otherwise."""
        return _unwrap(self._data["recovery"], normalise_recovery_code(recovery_code), "rec")

    def set_password(
        self, username: str, password: str, master_key: bytes, params: KdfParams | None = None
    ) -> None:
        """Add a user's wrap, or replace it (password change or reset)."""
        self._data["users"][username] = _wrap(
            master_key, password, f"user:{username}", params or DEFAULT_KDF
        )

    def remove_user(self, username: str) -> None:
        self._data["users"].pop(username, None)
        self._data["lockout"].pop(username, None)

    def replace_recovery(self, recovery_code: str, master_key: bytes) -> None:
        """Issue a new recovery code; the old one stops working."""
        self._data["recovery"] = _wrap(
            master_key, normalise_recovery_code(recovery_code), "rec", DEFAULT_KDF
        )

    # -- lockout --------------------------------------------------------------------------

    def seconds_locked(self, username: str, now: datetime | None = None) -> int:
        """How many seconds ``username`` must still wait before trying again (0 = may try)."""
        state = self._data["lockout"].get(username)
        if not state:
            return 0
        delay = lockout_delay(int(state["failures"]))
        last = datetime.fromisoformat(state["last"])
        elapsed = ((now or clock.now()) - last).total_seconds()
        return max(0, int(delay - elapsed + 0.999))

    def record_failure(self, username: str, now: datetime | None = None) -> int:
        """Count one wrong password; returns the delay now imposed, in seconds."""
        state = self._data["lockout"].setdefault(username, {"failures": 0})
        state["failures"] = int(state["failures"]) + 1
        state["last"] = (now or clock.now()).isoformat()
        return lockout_delay(int(state["failures"]))

    def failed_attempts(self, username: str) -> tuple[int, datetime | None]:
        """Wrong passwords for ``username`` since the last success, and when the last was."""
        state = self._data["lockout"].get(username)
        if not state:
            return 0, None
        last = state.get("last")
        return int(state["failures"]), datetime.fromisoformat(last) if last else None

    def record_success(self, username: str) -> bool:
        """Forget ``username``'s wrong tries; True if there were any (the file then changed)."""
        return self._data["lockout"].pop(username, None) is not None
