"""Signing-key lifecycle services: rotation, retirement, re-encryption and bootstrap.

Admin actions, ``manage.py rotate_keys``, token issuance and ``migrate`` all call these functions; none of
them changes a key's state any other way.
"""
