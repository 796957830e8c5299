"""Fresh values for the two secrets a deployment keeps outside its code: the encryption key and the pepper.

``python -m django_apiauth.generate_secrets`` needs no Django settings, on purpose: settings that read
``os.environ["APIAUTH_KEY_ENCRYPTION_KEY"]`` cannot even load before the variable exists. It prints
``NAME=value`` lines, ready for an env file or ``export $(...)``. ``manage.py generate_secrets`` prints the
same from a configured project (for example a new encryption key to prepend when rotating).
"""

from __future__ import annotations

import argparse
import secrets
import sys
from collections.abc import Callable, Sequence

from django_apiauth.crypto.encryption import new_fernet_key

#: The environment variables the README's settings snippet reads.
ENCRYPTION_KEY_VARIABLE = "APIAUTH_KEY_ENCRYPTION_KEY"
PEPPER_VARIABLE = "APIAUTH_API_KEY_PEPPER"

#: 48 random bytes make 64 url-safe characters: twice the 32 characters ``API_KEY_PEPPER`` needs (E020),
#: and nothing a shell or an env file would interpret.
_PEPPER_BYTES = 48


def new_pepper() -> str:
    """A fresh random ``API_KEY_PEPPER``."""
    return secrets.token_urlsafe(_PEPPER_BYTES)


GENERATORS: dict[str, tuple[str, Callable[[], str]]] = {
    "encryption-key": (ENCRYPTION_KEY_VARIABLE, new_fernet_key),
    "pepper": (PEPPER_VARIABLE, new_pepper),
}


def secret_lines(only: str | None = None) -> list[str]:
    """``NAME=value`` for each secret, or the bare value of the one named by ``only``."""
    if only is not None:
        return [GENERATORS[only][1]()]
    return [f"{variable}={generate()}" for variable, generate in GENERATORS.values()]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options shared by the module's command line and the management command."""
    parser.add_argument(
        "--only", choices=sorted(GENERATORS), help="Print only this value, bare (e.g. a new key to prepend)."
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Print the secrets; argparse exits 2 on bad arguments."""
    parser = argparse.ArgumentParser(prog="python -m django_apiauth.generate_secrets", description=__doc__)
    add_arguments(parser)
    options = parser.parse_args(argv)
    sys.stdout.write("".join(f"{line}\n" for line in secret_lines(options.only)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
