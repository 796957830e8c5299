"""The import-layer contract of the package, enforced on every import statement (lazy ones included).

Layers, lowest first; a module may import its own layer and any lower one, never a higher one:

    crypto -> models -> events -> scopes -> signing_keys -> jwt -> (refresh | api_keys) -> login -> edges

* ``crypto`` is pure: besides itself it may import only ``exceptions`` (no settings, no ORM, no cache).
* The foundation (``conf``, ``settings_spec``, ``durations``, ``exceptions``, ``signals``, ``localcache``,
  ``client_ip``) is usable from every layer but ``crypto``, and imports no layer above ``crypto``.
* ``scopes`` (the registry and grant rules) serves every service; ``login`` (authenticate, complete) and
  ``authn`` (one authentication entry point for middleware and decorators) sit on the services.
* ``http_security.cors`` and ``http_security.endpoints`` read settings only and sit low (the refresh cookie
  checks origins with them); the rest of ``http_security`` is an edge.
* ``refresh`` and ``api_keys`` are peers that never import each other.
* Edges (``drf``, ``views``, ``admin``, ``management``, ``middleware``, ``decorators``, ``urls``, the check and
  receiver wiring, ``apps``,
  ``testing``, ``settings_reference``, ``generate_secrets``, the ``openapi`` descriptions) sit on top.
* ``signing_keys`` never imports ``jwt``: the JWT layer follows the key lifecycle through signals.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import django_apiauth

PACKAGE = Path(django_apiauth.__file__).parent
FOUNDATION = {
    "conf", "settings_spec", "durations", "exceptions", "signals", "localcache", "client_ip", "blocking",
    "shared_cache", "db_contention",
}  # fmt: skip
RANKS: dict[str, float] = {
    "crypto": 0,
    "models": 1,
    "events": 2,
    "scopes": 2.5,
    "signing_keys": 3,
    "jwt": 4,
    "throttling": 4.5,
    "lockout": 4.5,
    "monitoring": 4.6,
    "refresh": 5,
    "api_keys": 5,
    "mfa": 5.6,
    "login": 5.5,
    "authn": 5.5,
    "oauth.principal": 2.6,
    "oauth": 6,
    # CORS policy and endpoint kinds read settings only; the refresh cookie checks origins with them.
    "http_security.cors": 2.5,
    "http_security.endpoints": 2.5,
    "http_security": 6,
    "middleware": 6,
    "decorators": 6,
    "drf": 6,
    "views": 6,
    "admin": 6,
    "management": 6,
    "urls": 6,
    "checks": 6,
    "receivers": 6,
    "apps": 6,
    "testing": 6,
    "settings_reference": 6,
    "generate_secrets": 6,
    "openapi": 6,
    "migrations": 6,
}


def _component(module: str) -> str:
    """``django_apiauth.jwt.codec`` -> ``jwt`` (or a sub-module with a layer of its own, such as
    ``http_security.cors``); the package's own ``__init__`` belongs to no layer."""
    parts = module.split(".")
    if len(parts) > 2 and f"{parts[1]}.{parts[2]}" in RANKS:
        return f"{parts[1]}.{parts[2]}"
    return parts[1] if len(parts) > 1 and parts[1] != "__init__" else ""


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts)


def _imports(path: Path) -> set[str]:
    """Every ``django_apiauth.*`` module named by an import in ``path``, at any depth of the file."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return {name for name in found if name.startswith("django_apiauth.") and _component(name)}


def _allowed(importer: str, imported: str) -> bool:
    if importer == imported or imported == "":
        return True
    if importer == "crypto":
        return imported in ("crypto", "exceptions")
    if imported in FOUNDATION:
        return True
    if importer in FOUNDATION:
        return imported == "crypto"
    if {importer, imported} == {"refresh", "api_keys"}:
        return False
    return RANKS.get(imported, 99) <= RANKS[importer]


#: Known upward imports, each to be removed: django-otp calls ``verify_token`` on the device model, whose
#: implementation delegates to the MFA services. The list may only shrink.
KNOWN_EXCEPTIONS = {("django_apiauth.models.mfa", "mfa")}


def _violations() -> list[str]:
    bad = []
    for path in _modules():
        relative = path.relative_to(PACKAGE.parent).with_suffix("")
        importer = _component(".".join(relative.parts))
        for name in _imports(path):
            imported = _component(name)
            known = (".".join(relative.parts), imported) in KNOWN_EXCEPTIONS
            if (imported in RANKS or imported in FOUNDATION) and not known and not _allowed(importer, imported):
                bad.append(f"{'.'.join(relative.parts)} imports {name}")
    return bad


def test_every_component_has_a_layer() -> None:
    components = {_component(".".join(p.relative_to(PACKAGE.parent).with_suffix("").parts)) for p in _modules()}
    assert components - {""} <= set(RANKS) | FOUNDATION


def test_no_lower_layer_imports_a_higher_one() -> None:
    assert _violations() == []


@pytest.mark.parametrize(
    ("importer", "imported", "allowed"),
    [
        ("signing_keys", "jwt", False),
        ("jwt", "signing_keys", True),
        ("crypto", "conf", False),
        ("crypto", "exceptions", True),
        ("models", "events", False),
        ("refresh", "api_keys", False),
        ("api_keys", "refresh", False),
        ("conf", "models", False),
        ("views", "refresh", True),
        ("jwt", "drf", False),
    ],
)
def test_the_rule_itself(importer: str, imported: str, allowed: bool) -> None:
    """The checker must be able to fail: a test that cannot fail proves nothing."""
    assert _allowed(importer, imported) is allowed
