"""Audit events and the admin with whatever user model is configured (CI runs this with an email-as-username,
UUID-keyed model too): events keep who acted, admin searches use ``USERNAME_FIELD``."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from django_apiauth.models.events import AuthEvent, EventType
from tests.support.refresh_tokens import login_pair
from tests.support.users import login_name

pytestmark = pytest.mark.django_db


def test_events_keep_the_user_whatever_the_primary_key_type(user: Any) -> None:
    login_pair(APIClient())

    event = AuthEvent.objects.get(type=EventType.LOGIN_SUCCEEDED)
    assert event.user_id == user.pk
    assert event.user == user


@pytest.mark.parametrize(
    "changelist", ["/admin/apiauth/authevent/", "/admin/apiauth/refreshtokenfamily/"], ids=["events", "families"]
)
def test_admin_search_by_the_login_name(admin_client: Client, user: Any, changelist: str) -> None:
    login_pair(APIClient())

    response = admin_client.get(changelist, {"q": login_name("alice")})

    assert response.status_code == 200
    found = list(response.context["cl"].result_list)
    assert found
    assert {row.user_id for row in found} == {user.pk}
