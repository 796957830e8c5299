"""Registering clients: secrets hashed and shown once, rotation with an overlap, the management command."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import timezone

from django_apiauth.models import OAuthClient
from django_apiauth.oauth.clients import create_client, rotate_secret, secret_matches
from tests.support.oauth import REDIRECT, confidential, public

pytestmark = pytest.mark.django_db


def test_client_id_has_its_own_namespace() -> None:
    app = confidential()
    assert app.client.client_id.startswith("cl_")
    assert len(app.client.client_id) > 20


def test_secret_is_256_bits_and_stored_only_as_a_keyed_hash() -> None:
    app = confidential()
    assert len(app.secret) >= 43
    row = OAuthClient.objects.get()
    assert app.secret not in json.dumps([str(value) for value in row.__dict__.values()])
    assert secret_matches(row, app.secret)
    assert not secret_matches(row, app.secret[:-1] + "x")
    assert not secret_matches(row, "")
    assert "secret" not in repr(app).replace("secret=", "")


def test_public_client_has_no_secret() -> None:
    app = public()
    assert app.secret == ""
    assert app.client.secret_hash == ""
    with pytest.raises(ValueError, match="no secret"):
        rotate_secret(app.client)


def test_rotation_keeps_the_old_secret_for_the_overlap(settings: Any) -> None:
    app = confidential()
    new = rotate_secret(app.client)
    client = OAuthClient.objects.get()
    assert secret_matches(client, new)
    assert secret_matches(client, app.secret)
    with time_machine.travel(timezone.now() + timedelta(hours=24, seconds=1)):
        assert not secret_matches(client, app.secret)
        assert secret_matches(client, new)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"client_type": "other"}, "type must be"),
        ({"grant_types": ["password"]}, "grant types"),
        ({"grant_types": []}, "grant types"),
        ({"redirect_uris": []}, "at least one redirect URI"),
        ({"redirect_uris": ["ftp://x/cb"]}, "invalid redirect URI"),
        ({"redirect_uris": [REDIRECT + "#f"]}, "invalid redirect URI"),
        ({"redirect_uris": ["relative/cb"]}, "invalid redirect URI"),
        ({"scopes": ['bad"scope']}, "unknown scope"),
        ({"scopes": ["not-registered"]}, "unknown scope"),
    ],
)
def test_invalid_registration(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        confidential(**kwargs)


def test_public_client_cannot_use_client_credentials() -> None:
    with pytest.raises(ValueError, match="public client"):
        public(grant_types=["authorization_code", "client_credentials"])


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("create_oauth_client", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_command_json_output() -> None:
    out, _ = run(
        "--name", "CLI", "--type", "confidential", "--redirect-uri", REDIRECT, "--redirect-uri",
        "https://client.example.com/two", "--grant-type", "authorization_code", "--grant-type",
        "client_credentials", "--scopes", "read write", "--may-introspect", "--json",
    )  # fmt: skip
    data = json.loads(out)
    assert set(data) == {"client_id", "client_secret"}
    client = OAuthClient.objects.get(client_id=data["client_id"])
    assert client.redirect_uris == [REDIRECT, "https://client.example.com/two"]
    assert client.grant_types == ["authorization_code", "client_credentials"]
    assert client.scope == "read write"
    assert client.may_introspect
    assert secret_matches(client, data["client_secret"])


def test_command_public_client_has_no_secret_in_json() -> None:
    out, _ = run("--name", "CLI", "--type", "public", "--redirect-uri", "http://127.0.0.1/cb",
                 "--grant-type", "authorization_code", "--json")  # fmt: skip
    assert set(json.loads(out)) == {"client_id"}


def test_command_text_output() -> None:
    out, err = run("--name", "CLI", "--type", "confidential", "--grant-type", "client_credentials")
    assert out.startswith("client_id: cl_")
    assert "client_secret: " in out
    assert "cannot be shown again" in err


def test_command_text_output_of_a_public_client_has_no_secret_and_no_warning() -> None:
    out, err = run("--name", "CLI", "--type", "public", "--redirect-uri", "http://127.0.0.1/cb",
                   "--grant-type", "authorization_code")  # fmt: skip
    assert out.startswith("client_id: cl_")
    assert "client_secret" not in out
    assert err == ""


def test_command_refuses_bad_registration() -> None:
    with pytest.raises(CommandError, match="redirect URI"):
        run("--name", "CLI", "--type", "confidential", "--grant-type", "authorization_code")
    assert not OAuthClient.objects.exists()


def test_create_client_deduplicates() -> None:
    app = create_client(
        name="x", client_type="confidential", grant_types=["client_credentials"] * 2, scopes=["read", "read"]
    )
    assert app.client.grant_types == ["client_credentials"]
    assert app.client.scope == "read"
    assert str(app.client).startswith("x (cl_")
