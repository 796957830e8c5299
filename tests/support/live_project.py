"""The example project served for real: ``manage.py runserver`` in a child process on a free loopback port,
with its own SQLite file and per-process cache, migrated and stopped by the fixture that started it."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """Bind to port 0 and read the port back (the server binds it again right after)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class LiveProject:
    url: str
    env: dict[str, str]

    def manage(self, *args: str) -> str:
        """Run a management command of the served project (same database) and return its stdout."""
        done = subprocess.run(  # noqa: S603 - our own interpreter and manage.py
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=120
        )
        if done.returncode != 0:
            raise RuntimeError(f"manage.py {args[0]} failed: {done.stderr}")
        return done.stdout

    def register_client(self, *args: str) -> dict[str, str]:
        return dict(json.loads(self.manage("create_oauth_client", *args, "--json")))

    def create_user(self, username: str, password: str) -> None:
        code = (
            "from django.contrib.auth import get_user_model as g; m = g(); "
            f"m._default_manager.create_user(**{{m.USERNAME_FIELD: {username!r}}}, password={password!r})"
        )
        self.manage("shell", "-c", code)


def serve(tmp: Path) -> Iterator[LiveProject]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {key: value for key, value in os.environ.items() if key not in ("REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(
        DJANGO_SETTINGS_MODULE="example_project.settings",
        DATABASE_URL=f"sqlite:///{tmp / 'live.sqlite3'}",
        APIAUTH_ISSUER=url,
        PYTHONWARNINGS="ignore",
    )
    project = LiveProject(url=url, env=env)
    project.manage("migrate", "--noinput")
    server = subprocess.Popen(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload", "--insecure"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        _wait_until_up(url, server)
        yield project
    finally:
        server.terminate()
        try:
            server.communicate(timeout=20)
        except subprocess.TimeoutExpired:  # pragma: no cover - only if the server ignores SIGTERM
            server.kill()
            server.communicate()


def _wait_until_up(url: str, server: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the example project did not start: {server.communicate()[1]}")
        try:
            requests.get(f"{url}/.well-known/oauth-authorization-server", timeout=2).close()
            return
        except requests.ConnectionError:
            time.sleep(0.2)  # waiting for a child process to listen, not for time-based behaviour
    raise RuntimeError("the example project did not answer within 60 s")
