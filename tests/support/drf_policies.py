"""DRF policy classes a strict project might install, to show the app's endpoints do not depend on them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.request import Request


class RefuseEverythingNegotiation(BaseContentNegotiation):
    """Accepts no request: any view that used it would answer 406."""

    def select_parser(self, request: Request, parsers: Sequence[Any]) -> Any:
        raise NotAcceptable("This project negotiates nothing.")

    def select_renderer(self, request: Request, renderers: Sequence[Any], format_suffix: str | None = None) -> Any:
        raise NotAcceptable("This project negotiates nothing.")
