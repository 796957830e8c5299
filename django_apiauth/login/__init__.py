"""Login: the one password check of the app (``password``) and the one way a login ends in tokens
(``complete``). The API login, the MFA step and password-confirmed operations all go through them."""
