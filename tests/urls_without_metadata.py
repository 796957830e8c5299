"""A URLconf with the app but no RFC 8414 metadata route."""

from __future__ import annotations

from django.urls import include, path

urlpatterns = [path("auth/", include("django_apiauth.urls"))]
