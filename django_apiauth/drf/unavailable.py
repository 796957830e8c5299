"""Our 429/503 errors as DRF exceptions, for code running where the project's ``EXCEPTION_HANDLER`` decides
(authentication classes): DRF's own handler then still answers the status with ``Retry-After``."""

from __future__ import annotations

from rest_framework import exceptions

from django_apiauth.exceptions import RateLimited, TemporarilyUnavailable


class ServiceUnavailable(exceptions.APIException):
    """503 with ``Retry-After`` (DRF's handler writes ``wait`` into that header)."""

    status_code = 503
    default_detail = "The service is temporarily unavailable; retry later."
    default_code = "temporarily_unavailable"

    #: The detail already is the OAuth body, so DRF's default handler answers in our shape too: a project
    #: without our ``EXCEPTION_HANDLER`` still gets ``{"error", "error_description"}``, never a 500.
    keeps_oauth_body = True

    def __init__(self, detail: str | None = None, *, wait: int) -> None:
        super().__init__(detail, code=self.default_code)
        self.detail = {
            "error": exceptions.ErrorDetail(self.default_code, self.default_code),
            "error_description": exceptions.ErrorDetail(detail or self.default_detail, self.default_code),
        }
        self.wait = wait


def as_drf_exception(exc: RateLimited | TemporarilyUnavailable) -> exceptions.APIException:
    if isinstance(exc, RateLimited):
        return exceptions.Throttled(wait=exc.retry_after, detail=exc.description, code="rate_limited")
    return ServiceUnavailable(exc.description, wait=exc.retry_after)
