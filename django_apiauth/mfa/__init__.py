"""Multi-factor authentication: TOTP and backup-code devices (django-otp plugins), enrolment, the MFA step of
login, step-up, and the ``amr``/``auth_time`` facts access tokens carry about how the user authenticated."""
