"""The example project under gunicorn, for the browser tests: sockets bound to port 0, a throwaway database.

Each server gets an already-listening socket (``fd://``), so its port is known before it starts and no
other process on the machine can take it in between.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import requests

ROOT = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT = 60.0


def listening_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    sock.set_inheritable(True)
    return sock


def origin(sock: socket.socket, host: str = "127.0.0.1") -> str:
    return f"http://{host}:{sock.getsockname()[1]}"


def server_database_url(tmp: Path) -> str:
    """A fresh PostgreSQL database beside ``DATABASE_URL``'s when that is PostgreSQL, else a SQLite file."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres", "pgsql")):
        return f"sqlite:///{tmp / 'browser.sqlite3'}"
    import psycopg

    parts = urlsplit(url)
    name = f"{parts.path.lstrip('/') or 'postgres'}_browser"
    admin = urlunsplit(("postgresql", parts.netloc, "/postgres", "", ""))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(("postgresql", parts.netloc, f"/{name}", "", ""))


def project_env(database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "APIAUTH_", "CORS_", "WEB_CLIENT"))}
    env.update(DJANGO_SETTINGS_MODULE="example_project.settings", DATABASE_URL=database_url, PYTHONPATH=str(ROOT))
    # Every test comes from 127.0.0.1: raise the example project's rate limits and network lockout threshold.
    env.update(
        APIAUTH_THROTTLE_RATES="login=100000/min,refresh=100000/min,sessions=100000/min,api_keys=100000/min",
        APIAUTH_LOCKOUT_IP_FAILURES="100000",
    )
    env.update(extra)
    return env


def manage(env: Mapping[str, str], *args: str) -> None:
    subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", *args, "--skip-checks"], cwd=ROOT, env=dict(env), check=True, capture_output=True
    )


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log: Path


@contextmanager
def gunicorn(sock: socket.socket, env: Mapping[str, str], log: Path) -> Iterator[Server]:
    """Serve the example project on ``sock`` until the block ends; the log file keeps its output."""
    command = [sys.executable, "-m", "gunicorn", "example_project.wsgi:application", "--bind", f"fd://{sock.fileno()}"]
    command += ["--workers", "1", "--threads", "4", "--access-logfile", "-", "--graceful-timeout", "5"]
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and gunicorn
            command, cwd=ROOT, env=dict(env), stdout=out, stderr=subprocess.STDOUT, pass_fds=(sock.fileno(),)
        )
    server = Server(origin(sock), process, log)
    try:
        _wait_until_serving(server)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:  # a wedged worker must not outlive the run
            process.kill()
            process.wait()


def _wait_until_serving(server: Server) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited early:\n{server.log.read_text()}")
        try:
            requests.get(f"{server.url}/favicon.ico", timeout=5, allow_redirects=False)
            return
        except requests.RequestException:
            time.sleep(0.2)  # polling for startup only: nothing security-relevant waits on this
    raise RuntimeError(f"gunicorn did not answer within {STARTUP_TIMEOUT}s:\n{server.log.read_text()}")
