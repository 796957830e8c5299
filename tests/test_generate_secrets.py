"""``python -m django_apiauth.generate_secrets`` and ``manage.py generate_secrets`` print usable secrets."""

from __future__ import annotations

import runpy
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import call_command

from django_apiauth.crypto.encryption import decrypt, encrypt, is_valid_fernet_key
from django_apiauth.generate_secrets import ENCRYPTION_KEY_VARIABLE, PEPPER_VARIABLE, main

MIN_PEPPER_LENGTH = 32


def _pairs(text: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in text.splitlines())


def _assert_usable(pairs: dict[str, str]) -> None:
    assert set(pairs) == {ENCRYPTION_KEY_VARIABLE, PEPPER_VARIABLE}
    key = pairs[ENCRYPTION_KEY_VARIABLE]
    assert is_valid_fernet_key(key)
    assert decrypt(encrypt(b"secret", (key,)), (key,)) == b"secret"
    pepper = pairs[PEPPER_VARIABLE]
    assert len(pepper) >= MIN_PEPPER_LENGTH
    assert pepper.replace("-", "").replace("_", "").isalnum()  # nothing a shell or env file interprets


def test_module_prints_both_secrets_without_django_settings() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "django_apiauth.generate_secrets"],
        capture_output=True, text=True, check=True, env={"PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    _assert_usable(_pairs(done.stdout))


def test_each_run_gives_new_values(capsys: pytest.CaptureFixture[str]) -> None:
    main([])
    main([])
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4
    assert len(set(lines)) == 4


def test_management_command_prints_the_same_format() -> None:
    out = StringIO()
    call_command("generate_secrets", stdout=out)
    _assert_usable(_pairs(out.getvalue()))


def test_only_encryption_key_prints_one_bare_key(capsys: pytest.CaptureFixture[str]) -> None:
    main(["--only", "encryption-key"])
    (value,) = capsys.readouterr().out.splitlines()
    assert is_valid_fernet_key(value)


def test_only_pepper_prints_one_bare_pepper(capsys: pytest.CaptureFixture[str]) -> None:
    main(["--only", "pepper"])
    (value,) = capsys.readouterr().out.splitlines()
    assert not value.startswith(PEPPER_VARIABLE)
    assert len(value) >= MIN_PEPPER_LENGTH


def test_bad_option_exits_2() -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--only", "password"])
    assert exit_info.value.code == 2


def test_running_the_module_exits_with_the_status_of_main(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``python -m`` in this process, so that the ``__main__`` guard itself is exercised."""
    monkeypatch.setattr(sys, "argv", ["generate_secrets", "--only", "pepper"])
    monkeypatch.delitem(sys.modules, "django_apiauth.generate_secrets")

    with pytest.raises(SystemExit) as exit_info:
        runpy.run_module("django_apiauth.generate_secrets", run_name="__main__")

    assert exit_info.value.code == 0
    (value,) = capsys.readouterr().out.splitlines()
    assert len(value) >= MIN_PEPPER_LENGTH
