"""A user model like many real projects have: email as ``USERNAME_FIELD``, a UUID primary key, no username.

The whole suite also runs with it (``DJANGO_SETTINGS_MODULE=tests.settings_custom_user``), so nothing in the
app may assume ``username`` or an integer ``pk``.
"""
