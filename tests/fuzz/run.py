"""Schema-driven fuzzing: schemathesis against the example project under gunicorn, from its own schema.

``python -m tests.fuzz.run``: serves the project on a fresh database (PostgreSQL beside ``DATABASE_URL`` when
that is PostgreSQL, else SQLite), then runs schemathesis twice, authenticated (a fresh access token per
request, see ``hooks``) and anonymous. The checks: no 5xx, responses that match the schema, and only
documented status codes. Bounded: ``FUZZ_MAX_EXAMPLES`` examples per operation (default 20).
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.support.servers import ROOT, gunicorn, listening_socket, manage, project_env, server_database_url

CHECKS = os.environ.get("FUZZ_CHECKS", "not_a_server_error,response_schema_conformance,status_code_conformance")
RATES = ",".join(
    f"{scope}=1000000/min" for scope in ("login", "refresh", "sessions", "api_keys", "mfa", "oauth", "ip", "user")
)


#: CPython 3.11 before 3.11.8 can raise this from ``ast.parse`` deep in a stack (gh-106905); Hypothesis calls it
#: to describe a strategy, so schemathesis reports a "Runtime Error" of its own, not a finding about our API.
TOOL_CRASH = "SystemError: AST constructor recursion depth mismatch"


def schemathesis(url: str, mode: str, env: dict[str, str], report: Path) -> int:
    """One run; a run that only crashed inside the tool is repeated once with the next seed, and says so."""
    seed = int(os.environ.get("FUZZ_SEED", "1"))
    returncode, output = _schemathesis(url, mode, env, report, seed)
    if returncode != 0 and TOOL_CRASH in output and "Failures:" not in output:
        print(f"== schemathesis, {mode}: the tool itself crashed ({TOOL_CRASH}); once more, seed {seed + 1} ==")
        returncode, _ = _schemathesis(url, mode, env, report, seed + 1)
    return returncode


def _schemathesis(url: str, mode: str, env: dict[str, str], report: Path, seed: int) -> tuple[int, str]:
    command = [
        sys.executable, "-m", "schemathesis.cli", "run", f"{url}/api/schema/?format=json",
        "--url", url,
        "--checks", CHECKS,
        "--max-examples", os.environ.get("FUZZ_MAX_EXAMPLES", "20"),
        "--workers", "2",
        "--request-timeout", "30",
        "--seed", str(seed),
        "--report", "junit", "--report-junit-path", str(report),
    ]  # fmt: skip
    started = time.monotonic()
    print(f"== schemathesis, {mode} ==", flush=True)
    result = subprocess.run(  # noqa: S603
        command, cwd=ROOT, env={**env, "FUZZ_MODE": mode}, check=False, stdout=subprocess.PIPE, text=True
    )
    print(result.stdout, flush=True)
    print(f"== schemathesis, {mode}: exit {result.returncode} in {time.monotonic() - started:.0f}s ==", flush=True)
    return result.returncode, result.stdout


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="fuzz-") as directory:
        tmp = Path(directory)
        env = project_env(
            server_database_url(tmp),
            APIAUTH_THROTTLE_RATES=RATES,
            APIAUTH_LOCKOUT_FAILURES="1000000",
            APIAUTH_LOCKOUT_IP_FAILURES="1000000",
            APIAUTH_LOCKOUT_ACCOUNT_NETWORKS="1000000",
            APIAUTH_PASSWORD_HASHERS="django.contrib.auth.hashers.MD5PasswordHasher",  # a login per request
        )
        env.pop("REDIS_URL", None)  # one worker process: its own cache
        username, password = f"fuzz-{secrets.token_hex(4)}", secrets.token_urlsafe(16)
        manage(env, "migrate", "--noinput")
        # One argument each: a generated password may start with "-", which argparse would read as an option.
        manage(env, "ensure_demo_user", f"--username={username}", f"--password={password}")
        sock = listening_socket()
        with sock, gunicorn(sock, env, tmp / "server.log") as server:
            fuzz_env = {
                **env,
                "SCHEMATHESIS_HOOKS": "tests.fuzz.hooks",
                "FUZZ_BASE_URL": server.url,
                "FUZZ_USERNAME": username,
                "FUZZ_PASSWORD": password,
            }
            reports = Path(os.environ.get("APIAUTH_ARTIFACTS_DIR", ROOT / "artifacts")) / "fuzz"
            reports.mkdir(parents=True, exist_ok=True)
            failures = [
                mode
                for mode in ("authenticated", "anonymous")
                if schemathesis(server.url, mode, fuzz_env, reports / f"{mode}.xml") != 0
            ]
            log = (tmp / "server.log").read_text()
        tracebacks = log.count("Traceback (most recent call last)")
        if failures or tracebacks:
            print("\n".join(line for line in log.splitlines() if " INFO " not in line and '" 200 ' not in line))
            print(f"fuzzing failed: {failures}; tracebacks in the server log: {tracebacks}")
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
