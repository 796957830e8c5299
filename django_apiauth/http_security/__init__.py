"""The HTTP edge: security headers, per-view CSP, the HTTPS requirement and CORS (``docs/http_security.md``)."""
