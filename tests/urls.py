"""The URLconf of the library's test suite: the app's endpoints, the admin and two protected views.

The suite does not use the example project's URLconf or settings, so changing the demo cannot break or
mask a library test (``test_example_project.py`` keeps one smoke test of the demo itself).
"""

from __future__ import annotations

from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

from django_apiauth.views.jwks import JWKSView
from tests.support.views import Reports, WhoAmI

urlpatterns: list[URLPattern | URLResolver] = [
    path("admin/", admin.site.urls),
    path("auth/", include("django_apiauth.urls")),
    path("api/whoami/", WhoAmI.as_view(), name="whoami"),
    path("api/reports/", Reports.as_view(), name="reports"),
    path(".well-known/jwks.json", JWKSView.as_view(), name="well-known-jwks"),
]

handler400 = "django_apiauth.views.errors.bad_request"
handler403 = "django_apiauth.views.errors.permission_denied"
handler404 = "django_apiauth.views.errors.page_not_found"
handler500 = "django_apiauth.views.errors.server_error"
