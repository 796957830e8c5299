"""The app's endpoints; include under a prefix of your choice (``path("auth/", include("django_apiauth.urls"))``)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

app_name = "apiauth"

urlpatterns: list[URLPattern | URLResolver] = []

from django.urls import path  # noqa: E402

from django_apiauth.views.jwks import JWKSView  # noqa: E402

urlpatterns += [path("jwks.json", JWKSView.as_view(), name="jwks")]
