"""Signal receivers the app connects in ``AppConfig.ready`` (features add theirs to ``connect_all``)."""

from __future__ import annotations


def connect_all() -> None:
    """Connect receivers; ``dispatch_uid`` makes repeated calls harmless."""
    from django_apiauth.api_keys import receivers as api_key_receivers

    api_key_receivers.connect()
