"""The app's endpoints; include under a prefix of your choice (``path("auth/", include("django_apiauth.urls"))``)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

app_name = "apiauth"

urlpatterns: list[URLPattern | URLResolver] = []
