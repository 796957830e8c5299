"""The app's endpoints; include under a prefix of your choice: ``path("auth/", include("django_apiauth.urls"))``."""

from __future__ import annotations

from django.db import transaction
from django.urls import URLPattern, URLResolver, path

from django_apiauth.views import api_keys, mfa, sessions, tokens
from django_apiauth.views.jwks import JWKSView

app_name = "apiauth"

urlpatterns: list[URLPattern | URLResolver] = [
    path("jwks.json", JWKSView.as_view(), name="jwks"),
    path("login/", tokens.LoginView.as_view(), name="login"),
    # ``refresh/`` never runs inside ATOMIC_REQUESTS: a detected reuse must commit its revocation although
    # the answer is an error.
    path("refresh/", transaction.non_atomic_requests(tokens.RefreshView.as_view()), name="refresh"),
    path("logout/", tokens.LogoutView.as_view(), name="logout"),
    path("logout-all/", tokens.LogoutAllView.as_view(), name="logout-all"),
    path("sessions/", sessions.SessionListView.as_view(), name="sessions"),
    path("sessions/<str:sid>/", sessions.SessionDetailView.as_view(), name="session-detail"),
    path("api-keys/", api_keys.APIKeyListView.as_view(), name="api-key-list"),
    path("api-keys/<int:key_id>/", api_keys.APIKeyDetailView.as_view(), name="api-key-detail"),
    path("api-keys/<int:key_id>/rotate/", api_keys.APIKeyRotateView.as_view(), name="api-key-rotate"),
    path("mfa/", mfa.MFAStatusView.as_view(), name="mfa"),
    path("mfa/totp/", mfa.TOTPView.as_view(), name="mfa-totp"),
    path("mfa/totp/confirm/", mfa.TOTPConfirmView.as_view(), name="mfa-totp-confirm"),
    path("mfa/backup-codes/", mfa.BackupCodesView.as_view(), name="mfa-backup-codes"),
    path("mfa/verify/", mfa.MFAVerifyView.as_view(), name="mfa-verify"),
    path("mfa/step-up/", mfa.StepUpView.as_view(), name="mfa-step-up"),
]
