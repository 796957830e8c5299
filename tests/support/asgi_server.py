"""``python -m tests.support.asgi_server <listening fd> <sqlite path>``: a real uvicorn server for the tests.

It migrates a fresh SQLite file, creates a user with an access token and an API key, prints them as one JSON
line, then serves Django's ASGI application on the socket the test bound (to port 0) and passed in.
"""

from __future__ import annotations

import json
import os
import sys


def main() -> None:
    fd, database = int(sys.argv[1]), sys.argv[2]
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.support.server_settings"
    os.environ["APIAUTH_SERVER_DB"] = database
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.asgi import get_asgi_application
    from django.core.management import call_command

    from django_apiauth.api_keys.service import create_api_key
    from django_apiauth.jwt.access import issue_access_token

    call_command("migrate", verbosity=0)
    model = get_user_model()
    user = model._default_manager.create_user(**{model.USERNAME_FIELD: "server-user", "password": "unused-pw"})
    credentials = {
        "token": issue_access_token(user, scopes=["read"]).token,
        "key": create_api_key(owner=user, name="server", scopes=["read"]).plaintext,
    }
    print(json.dumps(credentials), flush=True)

    import uvicorn

    uvicorn.run(get_asgi_application(), fd=fd, log_level="warning", lifespan="off", access_log=False)


if __name__ == "__main__":
    main()
