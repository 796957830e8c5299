"""The app's endpoints; include under a prefix of your choice (``path("auth/", include("django_apiauth.urls"))``)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from django_apiauth.views import api_keys

app_name = "apiauth"

urlpatterns: list[URLPattern | URLResolver] = []

# API keys (issue 5)
urlpatterns += [
    path("api-keys/", api_keys.APIKeyListView.as_view(), name="api-key-list"),
    path("api-keys/<int:key_id>/", api_keys.APIKeyDetailView.as_view(), name="api-key-detail"),
    path("api-keys/<int:key_id>/rotate/", api_keys.APIKeyRotateView.as_view(), name="api-key-rotate"),
]
