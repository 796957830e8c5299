"""The README's integration snippets work verbatim in a project made by ``django-admin startproject``.

The snippets are read from README.md between ``<!-- readme-snippet:NAME -->`` markers and the code fence that
follows, appended to the generated ``settings.py`` and ``urls.py``; the project then migrates, passes
``check``, and serves one login over HTTP under gunicorn. Editing a snippet into something that does not work
fails here.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from django_apiauth.generate_secrets import ENCRYPTION_KEY_VARIABLE, PEPPER_VARIABLE
from tests.support.servers import STARTUP_TIMEOUT, Server, listening_socket, origin

README = Path(__file__).resolve().parent.parent / "README.md"
_SNIPPET = re.compile(r"<!-- readme-snippet:([\w-]+) -->\n```(\w+)\n(.*?)\n```", re.DOTALL)
_TIMEOUT = 180


def snippets() -> dict[str, str]:
    """Each marked snippet of the README by name."""
    found: dict[str, str] = {}
    for name, _language, body in _SNIPPET.findall(README.read_text()):
        assert name not in found, f"two README snippets named {name!r}"
        found[name] = body + "\n"
    return found


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=_TIMEOUT
    )
    assert done.returncode == 0, f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _environment(tmp: Path, extra: dict[str, str]) -> dict[str, str]:
    """This interpreter's environment without the test suite's Django configuration, plus the secrets that the
    README's secrets snippet, run by bash in ``tmp`` with this interpreter as ``python``, generated and loaded."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "APIAUTH_", "DATABASE_", "REDIS_"))}
    env.update(PYTHONWARNINGS="error", **extra)
    shell_env = {**env, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"}
    script = snippets()["secrets"] + 'printf "%s\\n" "$APIAUTH_KEY_ENCRYPTION_KEY" "$APIAUTH_API_KEY_PEPPER"\n'
    done = subprocess.run(  # noqa: S603 - the README's own snippet, in a temporary directory
        ["/bin/bash", "-euc", script], cwd=tmp, env=shell_env, capture_output=True, text=True, timeout=_TIMEOUT
    )
    assert done.returncode == 0, f"the secrets snippet failed:\n{done.stderr}"
    key, pepper = done.stdout.splitlines()
    env.update({ENCRYPTION_KEY_VARIABLE: key, PEPPER_VARIABLE: pepper})
    return env


def build_project(tmp: Path, cache_snippet: str | None, extra_env: dict[str, str]) -> tuple[Path, dict[str, str]]:
    """``startproject`` in ``tmp``, the README's snippets appended, migrated; returns its directory and env."""
    env = _environment(tmp, extra_env)
    _run(["-m", "django", "startproject", "mysite", str(tmp)], tmp, env)
    found = snippets()
    with (tmp / "mysite" / "settings.py").open("a") as settings:
        settings.write("\n" + found["settings"] + "\n" + found["sqlite"])
        if cache_snippet is not None:
            settings.write("\n" + found[cache_snippet])
    with (tmp / "mysite" / "urls.py").open("a") as urls:
        urls.write("\n" + found["urls"] + "\n" + found["first-view"])
    _run(["manage.py", "migrate", "--noinput"], tmp, env)
    return tmp, env


def _project_facts(project: Path, env: dict[str, str]) -> dict[str, object]:
    """Creates the login's user and reports what the snippets left of DRF's parsers, the cache, the
    database options and the trusted proxies."""
    code = (
        "import json; from django.conf import settings; from django.contrib.auth import get_user_model; "
        "from rest_framework.settings import api_settings; "
        "get_user_model().objects.create_user('reader', password='a long readme password'); "
        "print(json.dumps({'parsers': [p.__name__ for p in api_settings.DEFAULT_PARSER_CLASSES], "
        "'cache': settings.CACHES['default']['BACKEND'], "
        "'sqlite_options': settings.DATABASES['default']['OPTIONS'], "
        "'trusted_proxies': settings.APIAUTH.get('TRUSTED_PROXIES', [])}))"
    )
    return dict(json.loads(_run(["manage.py", "shell", "-c", code], project, env).splitlines()[-1]))


@pytest.fixture
def served() -> Iterator[tuple[socket.socket, str]]:
    sock = listening_socket()
    try:
        yield sock, origin(sock)
    finally:
        sock.close()


def _serve(project: Path, env: dict[str, str], sock: socket.socket, log: Path) -> Server:
    command = [sys.executable, "-m", "gunicorn", "mysite.wsgi:application", "--bind", f"fd://{sock.fileno()}"]
    command += ["--workers", "1", "--graceful-timeout", "5"]
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and gunicorn
            command, cwd=project, env=env, stdout=out, stderr=subprocess.STDOUT, pass_fds=(sock.fileno(),)
        )
    return Server(origin(sock), process, log)


def _login_over_http(server: Server) -> dict[str, requests.Response]:
    """The login, the OAuth metadata document, and the first view without and with the login's token. The first
    request waits for the worker to boot; the kernel queues it on the listening socket."""
    try:
        login = requests.post(
            f"{server.url}/auth/login/",
            json={"username": "reader", "password": "a long readme password"},
            timeout=STARTUP_TIMEOUT,
        )
        token = login.json().get("access_token", "") if login.status_code == 200 else ""
        return {
            "login": login,
            "metadata": requests.get(f"{server.url}/.well-known/oauth-authorization-server", timeout=STARTUP_TIMEOUT),
            "anonymous": requests.get(f"{server.url}/api/whoami/", timeout=STARTUP_TIMEOUT),
            "whoami": requests.get(
                f"{server.url}/api/whoami/", headers={"Authorization": f"Bearer {token}"}, timeout=STARTUP_TIMEOUT
            ),
        }
    finally:
        server.process.terminate()
        try:
            server.process.wait(timeout=15)
        except subprocess.TimeoutExpired:  # a wedged worker must not outlive the test
            server.process.kill()
            server.process.wait()


def _assert_project_works(project: Path, env: dict[str, str], sock: socket.socket, log: Path) -> dict[str, object]:
    _run(["manage.py", "check", "--fail-level", "ERROR"], project, env)
    facts = _project_facts(project, env)
    answers = _login_over_http(_serve(project, env, sock, log))
    response, metadata = answers["login"], answers["metadata"]
    assert response.status_code == 200, f"{response.text}\n{log.read_text()}"
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["access_token"].count(".") == 2
    assert metadata.status_code == 200, metadata.text
    assert metadata.json()["token_endpoint"].endswith("/auth/oauth/token/")
    # The first view: refused in JSON without a credential, then the token's user and scheme.
    assert answers["anonymous"].status_code == 401, answers["anonymous"].text
    assert answers["anonymous"].json()["error"] == "unauthorized"
    assert answers["whoami"].status_code == 200, answers["whoami"].text
    assert answers["whoami"].json() == {"user": "reader", "auth": "jwt", "scopes": []}
    return facts


def test_snippets_are_marked_in_the_readme() -> None:
    assert set(snippets()) == {
        "install",
        "secrets",
        "settings",
        "cache-django",
        "cache-django-redis",
        "sqlite",
        "urls",
        "first-view",
    }


def test_settings_snippet_reads_its_secrets_from_the_generator_variables() -> None:
    settings = snippets()["settings"]
    assert "import os" in settings
    assert f'os.environ["{ENCRYPTION_KEY_VARIABLE}"]' in settings
    assert f'os.environ["{PEPPER_VARIABLE}"]' in settings
    assert "python -m django_apiauth.generate_secrets" in snippets()["secrets"]


def test_fresh_startproject_with_the_readme_snippets_logs_in(tmp_path: Path, served: tuple[socket.socket, str]) -> None:
    project, env = build_project(tmp_path, None, {})
    facts = _assert_project_works(project, env, served[0], tmp_path / "gunicorn.log")
    # The project's own form posts and uploads keep DRF's parsers.
    assert {"JSONParser", "FormParser", "MultiPartParser"} <= set(facts["parsers"])  # type: ignore[arg-type]
    # Concurrent writers on the generated SQLite database wait their turn instead of being refused with 503.
    assert facts["sqlite_options"] == {"transaction_mode": "IMMEDIATE", "timeout": 20}
    # Pasted as it is, the snippet believes no X-Forwarded-For: a client on a private network must not be able
    # to pick the address that throttles, lockout and events see.
    assert facts["trusted_proxies"] == []


@pytest.mark.redis
@pytest.mark.parametrize(
    ("snippet", "backend"),
    [
        ("cache-django", "django.core.cache.backends.redis.RedisCache"),
        ("cache-django-redis", "django_redis.cache.RedisCache"),
    ],
)
def test_fresh_startproject_with_each_readme_cache_logs_in(
    tmp_path: Path, served: tuple[socket.socket, str], snippet: str, backend: str
) -> None:
    project, env = build_project(tmp_path, snippet, {"REDIS_URL": os.environ["REDIS_URL"]})
    facts = _assert_project_works(project, env, served[0], tmp_path / "gunicorn.log")
    assert facts["cache"] == backend
