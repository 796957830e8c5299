"""Routes of the authorization server, included by ``django_apiauth.urls`` under ``oauth/``.

The metadata document belongs at the site root: add ``path(".well-known/oauth-authorization-server",
MetadataView.as_view())`` (``django_apiauth.views.oauth_endpoints``) to the root URLconf.
"""

from __future__ import annotations

from django.db import transaction
from django.urls import URLPattern, path

from django_apiauth.views import oauth_endpoints, oauth_pages

# The token endpoint never runs inside ATOMIC_REQUESTS: a replayed code or refresh token must commit its
# revocation although the answer is an error.
urlpatterns: list[URLPattern] = [
    path("oauth/authorize/", oauth_pages.AuthorizeView.as_view(), name="oauth-authorize"),
    path("oauth/login/", oauth_pages.LoginView.as_view(), name="oauth-login"),
    path("oauth/token/", transaction.non_atomic_requests(oauth_endpoints.TokenView.as_view()), name="oauth-token"),
    path("oauth/revoke/", oauth_endpoints.RevokeView.as_view(), name="oauth-revoke"),
    path("oauth/introspect/", oauth_endpoints.IntrospectView.as_view(), name="oauth-introspect"),
    path("oauth/grants/", oauth_endpoints.GrantListView.as_view(), name="oauth-grants"),
    path("oauth/grants/<str:client_id>/", oauth_endpoints.GrantDetailView.as_view(), name="oauth-grant-detail"),
]
