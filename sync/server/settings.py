"""The server's typed settings, read once from the command line and the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sync.server.db import default_sqlite_url

ENV_DB = "SOTREEM_SERVER_DB"
ENV_HOME = "SOTREEM_SERVER_HOME"
ENV_NAME = "SOTREEM_SERVER_NAME"
# "1" only for a test installation reached over plain http (the session cookie then lacks Secure).
ENV_INSECURE_COOKIE = "SOTREEM_SERVER_INSECURE_COOKIE"
DEFAULT_HOME = "sotreem-server-data"
DEFAULT_NAME = "Máy chủ Sổ Trẻ Em"
# Largest request body accepted, after gzip decompression (and before it, too).
DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024
DEFAULT_ENROLLMENT_VALID_HOURS = 72


@dataclass(frozen=True, slots=True)
class ServerSettings:
    """Everything the server needs to know to start."""

    db_url: str
    home: Path
    name: str = DEFAULT_NAME
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    # The interactive API docs (/docs, /redoc) and /openapi.json: off unless a developer
    # asks (`serve --docs`); a district server need not describe its API to the network.
    docs: bool = False
    # The dashboard's session cookie is Secure (sent over https only) unless told otherwise.
    cookie_secure: bool = True

    @classmethod
    def load(cls, db_url: str | None = None, *, docs: bool = False) -> ServerSettings:
        """Settings from ``--db`` (wins), then ``SOTREEM_SERVER_DB``, then the home folder."""
        home = Path(os.environ.get(ENV_HOME) or DEFAULT_HOME).expanduser().resolve()
        url = db_url or os.environ.get(ENV_DB) or default_sqlite_url(home)
        name = os.environ.get(ENV_NAME) or DEFAULT_NAME
        secure = os.environ.get(ENV_INSECURE_COOKIE, "") != "1"
        return cls(db_url=url, home=home, name=name, docs=docs, cookie_secure=secure)
