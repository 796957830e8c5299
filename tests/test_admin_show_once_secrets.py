"""The admin's show-once pages: the secret is on the page, never in Django's DEBUG template log lines,
whose messages carry ``repr()`` of the whole template context."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from django_apiauth.admin.shown_once import ShownOnce
from django_apiauth.models import OAuthClient
from tests.support.oauth import confidential
from tests.test_oauth_admin import form as client_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def template_debug_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """``django.template`` at DEBUG, as a project debugging its templates sets it."""
    caplog.set_level(logging.DEBUG, logger="django.template")
    return caplog


def assert_only_on_the_page(secret: str, response: Any, log: pytest.LogCaptureFixture) -> None:
    assert secret.encode() in response.content
    assert any(record.name == "django.template" for record in log.records)  # the context was logged...
    assert secret not in log.text  # ...without the secret


def test_a_new_oauth_client_secret_stays_out_of_template_logs(admin_client: Any, template_debug_log: Any) -> None:
    response = admin_client.post("/admin/apiauth/oauthclient/add/", client_form())
    assert response.status_code == 200
    assert_only_on_the_page(response.context["secrets"][0]["secret"], response, template_debug_log)
    assert OAuthClient.objects.count() == 1


def test_a_rotated_oauth_client_secret_stays_out_of_template_logs(admin_client: Any, template_debug_log: Any) -> None:
    app = confidential()
    action = {"action": "rotate_secrets", "_selected_action": [app.client.pk]}
    response = admin_client.post("/admin/apiauth/oauthclient/", action)
    assert response.status_code == 200
    assert_only_on_the_page(response.context["secrets"][0]["secret"], response, template_debug_log)


def test_a_new_api_key_stays_out_of_template_logs(admin_client: Any, user: Any, template_debug_log: Any) -> None:
    form = {"owner": user.pk, "name": "deploy", "scopes": "read", "lifetime": ""}
    response = admin_client.post("/admin/apiauth/apikey/add/", form)
    assert response.status_code == 200
    assert_only_on_the_page(response.context["plaintext"], response, template_debug_log)


def test_a_shown_once_secret_renders_and_compares_as_itself_but_repr_hides_it() -> None:
    secret = ShownOnce("s3cr3t-value")
    assert secret == "s3cr3t-value"
    assert str(secret) == "s3cr3t-value"
    assert f"{secret}" == "s3cr3t-value"
    assert "s3cr3t" not in repr(secret)
    assert "s3cr3t" not in repr({"secrets": [{"secret": secret}]})
