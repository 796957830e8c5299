"""API keys: the key format, hashing with a pepper, the service (create, authenticate, rotate, revoke)."""
