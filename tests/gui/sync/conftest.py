"""The real server in a thread on 127.0.0.1, shared with the core sync tests."""

from __future__ import annotations

from tests.unit.core.sync.conftest import live_server, server_db

__all__ = ["live_server", "server_db"]
