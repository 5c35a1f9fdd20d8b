"""Fixtures that run the real sync server (`python -m sync.server.cli serve`) on 127.0.0.1."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 20.0
STOP_TIMEOUT_S = 10.0
CLI_TIMEOUT_S = 30.0


def free_port() -> int:
    """A TCP port that is free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServerProcess:
    """The real server in a subprocess, on a SQLite file that outlives restarts."""

    def __init__(self, folder: Path, db_url: str | None = None) -> None:
        self.folder = folder
        self.db_url = db_url or f"sqlite:///{folder / 'server.db'}"
        self.port = free_port()
        self.log_path = folder / "server.log"
        self._proc: subprocess.Popen[bytes] | None = None
        self._env = dict(os.environ)
        self._env.pop("SOTREEM_SERVER_DB", None)
        self._env["SOTREEM_SERVER_HOME"] = str(folder / "home")
        self._env["PYTHONUNBUFFERED"] = "1"

    @property
    def url(self) -> str:
        """The server's base URL."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        """True while the subprocess is alive."""
        return self._proc is not None and self._proc.poll() is None

    def log(self) -> str:
        """What the server printed so far (for failure messages)."""
        return (
            self.log_path.read_text(encoding="utf-8", errors="replace")
            if self.log_path.exists()
            else ""
        )

    def start(self) -> None:
        """Start the server and wait (bounded) until /api/v1/info answers."""
        assert not self.running
        command = [
            sys.executable, "-m", "sync.server.cli", "serve",
            "--host", "127.0.0.1", "--port", str(self.port), "--db", self.db_url,
        ]  # fmt: skip
        with self.log_path.open("ab") as log:
            self._proc = subprocess.Popen(
                command, cwd=ROOT, env=self._env, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if not self.running:
                pytest.fail(f"server exited at start-up:\n{self.log()}")
            try:
                if requests.get(self.url + "/api/v1/info", timeout=0.5).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        self.stop()
        pytest.fail(f"server not ready after {START_TIMEOUT_S} s:\n{self.log()}")

    def kill(self) -> None:
        """Kill the server at once (SIGKILL), as a crash or a power cut would."""
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait(STOP_TIMEOUT_S)

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL if it lingers)."""
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()  # SIGTERM: uvicorn shuts down cleanly and closes the database
        try:
            proc.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(STOP_TIMEOUT_S)

    def cli(self, *args: str, env: dict[str, str] | None = None) -> str:
        """Run `python -m sync.server.cli ARGS --db <this server's db>`; return stdout."""
        result = subprocess.run(
            [sys.executable, "-m", "sync.server.cli", *args, "--db", self.db_url],
            cwd=ROOT,
            env={**self._env, **(env or {})},
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=CLI_TIMEOUT_S,
            check=False,
        )
        assert result.returncode == 0, f"cli {args} failed:\n{result.stdout}\n{result.stderr}"
        return result.stdout

    def issue_enrollment_code(self, commune: str) -> str:
        """A fresh one-time enrollment code for ``commune``, issued by the CLI."""
        return self.cli("enrollment-code", "--commune", commune).strip()

    def commune_summary(self, commune: str) -> dict[str, Any]:
        """`commune-summary COMMUNE --format json`, parsed."""
        summary: dict[str, Any] = json.loads(
            self.cli("commune-summary", commune, "--format", "json")
        )
        return summary


@pytest.fixture
def sync_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ServerProcess]:
    """A running server on a fresh database; stopped at teardown."""
    # Loopback traffic must never be sent to a proxy configured in the environment.
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    server = ServerProcess(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()
