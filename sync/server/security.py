"""Secrets the server hands out (device tokens, enrollment codes) and their hashes."""

from __future__ import annotations

import hashlib
import secrets

# No I, L, O, 0 or 1: an officer reads the code off paper or a phone and types it.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12  # 31**12 ≈ 2**59: far beyond guessing within the code's lifetime
CODE_GROUP = 4


def sha256_hex(value: str) -> str:
    """SHA-256 of ``value`` (UTF-8), in hex; what the database keeps instead of secrets."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def new_token() -> str:
    """A fresh random bearer token for a device."""
    return secrets.token_urlsafe(32)


def new_enrollment_code() -> str:
    """A fresh one-time code, grouped for reading aloud, e.g. ``K7QM-2XBD-9PRT``."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + CODE_GROUP] for i in range(0, CODE_LENGTH, CODE_GROUP))
