"""What Django would mail to ``ADMINS`` when a view crashes: the text a secret must never appear in."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.views.debug import ExceptionReporter


def report_of_crash(monkeypatch: pytest.MonkeyPatch, target: str, call: Callable[[], Any]) -> str:
    """The error report (DEBUG off) of ``call`` when the function at dotted path ``target`` crashes.

    The traceback starts at the app's first frame, as in production: the test client's own frames, which hold
    the request body, are not part of what a deployment would report.
    """

    def crash(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("database went away")

    monkeypatch.setattr(target, crash)
    with pytest.raises(RuntimeError) as caught:
        call()
    tb = caught.tb
    while tb is not None and "django_apiauth" not in tb.tb_frame.f_code.co_filename:
        tb = tb.tb_next
    return str(ExceptionReporter(None, caught.type, caught.value, tb).get_traceback_html())
