"""A URLconf routing one scoped view twice, once through an include (for the URL-walking check)."""

from __future__ import annotations

from django.urls import include, path

from tests.support.views import Reports, WhoAmI

nested = [path("reports/", Reports.as_view()), path("me/", WhoAmI.as_view())]
urlpatterns = [path("a/", Reports.as_view()), path("b/", include(nested)), path("plain/", lambda request: None)]
