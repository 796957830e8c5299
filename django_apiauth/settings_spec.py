"""The descriptor that declares one ``APIAUTH`` key: type, default, documentation and constraints, once.

A ``Setting`` placed on ``conf.ApiAuthSettings`` is at the same time the key's specification (read by the
generic system check and the README generator) and its typed accessor (``apiauth_settings.KEY``). Values are
read from ``django.conf.settings`` on every access, never captured, so overrides always take effect.

Two reads are written for speed, and a test keeps them equal to the plain ones: ``__get__`` reads the project
dict inline instead of calling ``user_settings()``, and a key without a conversion gets, per instance, a
``value_in`` that is ``operator.methodcaller("get", name, default)``: the same ``values.get`` as the method,
made in C.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from operator import methodcaller
from typing import Any, Generic, TypeVar, overload

from django.conf import settings as django_settings

T = TypeVar("T")

#: Durations are given as a ``timedelta`` or a number of seconds.
DURATION: tuple[type, ...] = (timedelta, int, float)


#: What ``django.conf.settings`` has served so far: ``LazySettings`` keeps each setting it returned in its own
#: instance dict, and empties that dict whenever the settings are replaced (``override_settings``) or one is
#: set or deleted through it. Reading it directly skips ``LazyObject.__getattribute__``, a Python-level hook
#: that makes ``settings.APIAUTH`` cost about 1 µs, several times per request. A miss takes the ordinary path.
_served: dict[str, Any] = object.__getattribute__(django_settings, "__dict__")
_NOT_SERVED = object()


def user_settings() -> dict[str, Any]:
    """The project's raw ``APIAUTH`` dict (empty when unset or not a dict; checks report the latter)."""
    value = _served.get("APIAUTH", _NOT_SERVED)
    if value is _NOT_SERVED:
        value = getattr(django_settings, "APIAUTH", None)
    return value if isinstance(value, dict) else {}


def magnitude(value: timedelta | float) -> float:
    """A number to compare with a bound: seconds for durations, the value itself otherwise."""
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class Setting(Generic[T]):
    """One documented key.

    ``types``/``item_types`` say what the project may write; ``convert`` turns that into what code uses.
    Constraints (``minimum``, ``exclusive_minimum``, ``maximum``, ``choices``, ``pattern``, ``min_length``)
    are checked by one generic system check, which reports a violation under ``check_id``: keys whose
    constraint had its own documented id before keep it, so ids stay stable. ``None`` is never constrained
    (allowing it is a matter of ``types``).
    """

    def __init__(
        self,
        default: Any,
        types: tuple[type, ...],
        doc: str,
        item_types: tuple[type, ...] = (),
        *,
        convert: Callable[[Any], T] | None = None,
        minimum: float | None = None,
        exclusive_minimum: float | None = None,
        maximum: float | None = None,
        choices: tuple[str, ...] = (),
        pattern: str | None = None,
        min_length: int | None = None,
        check_id: str = "apiauth.E007",
    ) -> None:
        self.default = default
        self.types = types
        self.doc = doc
        self.item_types = item_types
        self.convert = convert
        self.minimum = minimum
        self.exclusive_minimum = exclusive_minimum
        self.maximum = maximum
        self.choices = choices
        self.pattern = re.compile(pattern) if pattern is not None else None
        self.min_length = min_length
        self.check_id = check_id
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name
        if self.convert is None:
            # ``value_in`` without a conversion is ``values.get(name, default)``: one C-level call, about a fifth
            # cheaper than the Python method read through the instance (64 against 81 ns here). A hot path that
            # reads many keys calls ``values.get`` itself (``jwt.access``): a third of either.
            self.value_in = methodcaller("get", name, self.default)  # type: ignore[method-assign,assignment]

    @overload
    def __get__(self, obj: None, objtype: type | None = None) -> Setting[T]: ...
    @overload
    def __get__(self, obj: object, objtype: type | None = None) -> T: ...
    def __get__(self, obj: object | None, objtype: type | None = None) -> T | Setting[T]:
        if obj is None:
            return self
        # ``value_in(user_settings())`` inlined: this runs from C (a descriptor), several times per request,
        # and each Python-level call from here costs about as much as the read itself.
        values = _served.get("APIAUTH", _NOT_SERVED)
        if values is _NOT_SERVED:
            values = getattr(django_settings, "APIAUTH", None)
        value: T = values.get(self.name, self.default) if isinstance(values, dict) else self.default
        return self.convert(value) if self.convert else value

    def value_in(self, values: dict[str, Any]) -> T:
        """The key's value in an ``APIAUTH`` dict already read with ``user_settings()``: a hot path reading
        several keys reads the project settings once, still at call time."""
        value: T = values.get(self.name, self.default)
        return self.convert(value) if self.convert else value

    def raw(self) -> Any:
        """The project's value as written, or the default."""
        return user_settings().get(self.name, self.default)

    def violation(self, value: Any) -> str | None:
        """What is wrong with a well-typed ``value`` (``must be ...``), or ``None`` when it is allowed."""
        if value is None:
            return None
        if self.choices and value not in self.choices:
            return f"must be one of {', '.join(map(repr, self.choices))}"
        if self.min_length is not None and len(value) < self.min_length:
            return f"must be at least {self.min_length} characters long"
        if self.pattern is not None and self.pattern.fullmatch(value) is None:
            return f"must match {self.pattern.pattern!r}"
        return self._range_violation(value)

    def _range_violation(self, value: Any) -> str | None:
        if not isinstance(value, (timedelta, int, float)):
            return None
        number = magnitude(value)
        if self.exclusive_minimum is not None and not number > self.exclusive_minimum:
            return f"must be greater than {self.exclusive_minimum:g}"
        if self.minimum is not None and not number >= self.minimum:
            return f"must be at least {self.minimum:g}"
        if self.maximum is not None and not number <= self.maximum:
            return f"must be at most {self.maximum:g}"
        return None

    def constraint_text(self) -> str:
        """The constraints in words, for the generated settings reference."""
        unit = " s" if self.types and self.types[0] is timedelta else ""
        parts = [f"one of {', '.join(f'`{c}`' for c in self.choices)}"] if self.choices else []
        if self.min_length is not None:
            parts.append(f"at least {self.min_length} characters")
        if self.pattern is not None:
            parts.append(f"matches `{self.pattern.pattern}`")
        for text, bound in (("> ", self.exclusive_minimum), (">= ", self.minimum), ("<= ", self.maximum)):
            if bound is not None:
                parts.append(f"{text}{bound:g}{unit}")
        return "; ".join(parts)
