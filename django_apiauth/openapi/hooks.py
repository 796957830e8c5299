"""``add_plain_view_endpoints``: a drf-spectacular postprocessing hook for the app's plain Django views.

Add it to ``SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]`` (keeping drf-spectacular's own enum hook). It
finds where the project routed each view (``/auth/oauth/token/``, ``/.well-known/jwks.json``, ...) and adds
the operations of ``plain_operations`` under those paths.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

from drf_spectacular.generators import EndpointEnumerator

from django_apiauth.openapi.plain_operations import CLIENT_BASIC_SCHEME, OPERATIONS

#: The ``Error`` component, for a project none of whose DRF views references it already.
ERROR_SCHEMA = {
    "type": "object",
    "properties": {"error": {"type": "string"}, "error_description": {"type": "string"}},
    "required": ["error", "error_description"],
}


def _dotted(view_class: type) -> str:
    return f"{view_class.__module__}.{view_class.__qualname__}"


class PlainViewEnumerator(EndpointEnumerator):
    """Walks the URLconf as drf-spectacular does, keeping the routes of the views in ``OPERATIONS``."""

    def should_include_endpoint(self, path: str, callback: Callable[..., Any]) -> bool:
        view_class = getattr(callback, "view_class", None)
        return view_class is not None and _dotted(view_class) in OPERATIONS

    def get_allowed_methods(self, callback: Callable[..., Any]) -> list[str]:
        return [method.upper() for method in OPERATIONS[_dotted(callback.view_class)]]  # type: ignore[attr-defined]


def plain_view_routes() -> Iterator[tuple[str, str, dict[str, Any]]]:
    """``(path, method, operation)`` for every route of a documented plain view in the root URLconf."""
    seen: dict[str, int] = {}
    for path, _regex, method, callback in PlainViewEnumerator()._get_api_endpoints(None, ""):
        view_name = _dotted(callback.view_class)
        operation = OPERATIONS[view_name][method.lower()]
        if callable(operation):  # routed more than once (the JWKS): each route needs its own operationId
            count = seen[view_name] = seen.get(view_name, 0) + 1
            operation = operation("jwks" if count == 1 else f"jwks_{count}")
        yield path, method.lower(), copy.deepcopy(operation)


def add_plain_view_endpoints(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """Postprocessing hook: the plain views' operations and the OAuth client's Basic scheme."""
    paths = result.setdefault("paths", {})
    for path, method, operation in plain_view_routes():
        operation.setdefault("tags", ["auth"])
        paths.setdefault(path, {})[method] = operation
    components = result.setdefault("components", {})
    components.setdefault("schemas", {}).setdefault("Error", ERROR_SCHEMA)
    schemes = components.setdefault("securitySchemes", {})
    schemes[CLIENT_BASIC_SCHEME] = {"type": "http", "scheme": "basic", "description": "OAuth client credentials"}
    result["paths"] = dict(sorted(paths.items()))
    return result
