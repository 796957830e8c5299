"""System checks: registered with Django, and each id fires on the configuration it guards."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from django.core import checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from django_apiauth import checks as apiauth_checks
from django_apiauth.testing import override_apiauth

ROOT = Path(__file__).resolve().parent.parent


def _ids() -> set[str]:
    return {m.id for m in checks.run_checks(tags=["apiauth"]) if m.id}


def test_checks_are_registered_under_the_apiauth_tag() -> None:
    registered = checks.registry.registry.get_checks()
    for check in apiauth_checks.ALL_CHECKS:
        assert check in registered
        assert "apiauth" in check.tags  # type: ignore[attr-defined]
        assert checks.Tags.security in check.tags  # type: ignore[attr-defined]


@pytest.mark.django_db  # the deploy checks read the stored signing keys
def test_check_tag_security_runs_our_checks() -> None:
    """``manage.py check --deploy --tag security`` must find our checks, not only Django's."""
    with override_settings(APIAUTH={"NO_SUCH_KEY": 1, "JWT_LEEWAY": -1}):
        found = {m.id for m in checks.run_checks(tags=[checks.Tags.security], include_deployment_checks=True)}
    assert {"apiauth.E002", "apiauth.E014"} <= found


def test_default_configuration_is_clean() -> None:
    # The app's own URLconf: the example project's views need scopes that only its settings define.
    with override_settings(APIAUTH={}, ROOT_URLCONF="django_apiauth.urls"):
        assert not {i for i in _ids() if i.startswith("apiauth.E")}


@pytest.mark.parametrize(
    ("apiauth", "expected"),
    [
        ("not a dict", "apiauth.E001"),
        ({"NO_SUCH_KEY": 1}, "apiauth.E002"),
        ({"CACHE_ALIAS": 42}, "apiauth.E003"),
        ({"TRUSTED_PROXIES": "10.0.0.0/8"}, "apiauth.E003"),
        ({"TRUSTED_PROXIES": [10]}, "apiauth.E003"),
        ({"EVENT_RETENTION": True}, "apiauth.E003"),
        ({"EVENT_SINKS": ["no.such.module.Sink"]}, "apiauth.E005"),
        ({"EVENT_SINKS": ["nodots"]}, "apiauth.E005"),
        ({"TRUSTED_PROXIES": ["10.0.0.0/8", "not-a-network"]}, "apiauth.E006"),
        ({"EVENT_AGGREGATION_WINDOW": 0}, "apiauth.E007"),
        ({"REVOKED_SESSIONS_LOCAL_TTL": -0.5}, "apiauth.E007"),
    ],
)
def test_bad_configuration_reports_its_id(apiauth: object, expected: str) -> None:
    with override_settings(APIAUTH=apiauth):
        assert expected in _ids()


def test_removed_key_reports_e004(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(apiauth_checks.conf.REMOVED_KEYS, "OLD_KEY", "Use NEW_KEY.")
    with override_apiauth(OLD_KEY=1):
        assert "apiauth.E004" in _ids()


def test_import_string_check_tolerates_a_single_string_and_wrong_types() -> None:
    with override_apiauth(EVENT_SINKS="django_apiauth.events.sinks.DatabaseSink"):
        assert "apiauth.E005" not in _ids()
    with override_apiauth(EVENT_SINKS=5):
        assert "apiauth.E005" not in _ids()


def test_manage_py_check_fails_on_errors() -> None:
    with override_settings(APIAUTH={"NO_SUCH_KEY": 1}), pytest.raises(SystemCheckError, match=r"apiauth\.E002"):
        call_command("check")


def test_check_deploy_on_example_project_reports_our_ids(tmp_path: Path) -> None:
    """Acceptance: `manage.py check --deploy` with a deliberately bad APIAUTH names our ids."""
    settings_module = tmp_path / "bad_settings.py"
    settings_module.write_text(
        "from example_project.settings import *\nAPIAUTH = {'NO_SUCH_KEY': True, 'CACHE_ALIAS': 3}\n"
    )
    env = {"DJANGO_SETTINGS_MODULE": "bad_settings", "PYTHONPATH": f"{tmp_path}:{ROOT}", "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "apiauth.E002" in result.stderr
    assert "apiauth.E003" in result.stderr


def _sqlite(**options: object) -> dict[str, object]:
    return {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:", "OPTIONS": options}


# Only the check reads the overridden DATABASES; no connection is opened with it.
@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES:UserWarning")
@pytest.mark.parametrize(
    ("database", "warned"),
    [
        (_sqlite(), True),  # startproject's database: Django's deferred transactions
        (_sqlite(transaction_mode="DEFERRED"), True),
        ({"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}, True),
        (_sqlite(transaction_mode="IMMEDIATE", timeout=20), False),
        (_sqlite(transaction_mode="exclusive"), False),
        ({"ENGINE": "django.db.backends.postgresql", "NAME": "app"}, False),
    ],
)
def test_sqlite_with_deferred_transactions_is_reported(database: dict[str, object], warned: bool) -> None:
    """Deferred SQLite transactions refuse parallel writers with 503 at once: the project is told before
    traffic is."""
    with override_settings(DATABASES={"default": database}):
        found = apiauth_checks.check_sqlite_transaction_mode()
    assert [m.id for m in found] == (["apiauth.W008"] if warned else [])
    assert all("'default'" in m.msg and "IMMEDIATE" in (m.hint or "") for m in found)
