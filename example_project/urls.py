from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from example_project import api_docs, web_client
from example_project.views import Reports, WhoAmI

urlpatterns = [
    path("", web_client.index, name="web-client"),
    path("favicon.ico", web_client.favicon, name="favicon"),
    path("admin/", admin.site.urls),
    path("auth/", include("django_apiauth.urls")),
    path("api/whoami/", WhoAmI.as_view(), name="whoami"),
    path("api/reports/", Reports.as_view(), name="reports"),
    # YAML by default, JSON with ?format=json; public, like the API's documentation.
    path("api/schema/", api_docs.schema_view, name="schema"),
    path("api/docs/", api_docs.docs_view, name="swagger-ui"),
]

handler400 = "django_apiauth.views.errors.bad_request"
handler403 = "django_apiauth.views.errors.permission_denied"
handler404 = "django_apiauth.views.errors.page_not_found"
handler500 = "django_apiauth.views.errors.server_error"

# RFC 8414-style well-known location of the public keys (the same view as /auth/jwks.json).
from django_apiauth.views.jwks import JWKSView  # noqa: E402

urlpatterns += [path(".well-known/jwks.json", JWKSView.as_view(), name="well-known-jwks")]

# RFC 8414: the authorization server's metadata at the root of the issuer.
from django_apiauth.views.oauth_endpoints import MetadataView  # noqa: E402

urlpatterns += [
    path(".well-known/oauth-authorization-server", MetadataView.as_view(), name="oauth-authorization-server"),
]
