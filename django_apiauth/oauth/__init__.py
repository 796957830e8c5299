"""The OAuth 2.0 authorization server: one module per specification, services only (views live in ``views``).

- ``rfc6749``: client authentication, grant dispatch and the error statuses of the token endpoint;
- ``rfc7636``: PKCE, ``S256`` only;
- ``rfc8252``: redirect-URI matching (exact, loopback port for public clients);
- ``rfc7009`` / ``rfc7662``: revocation and introspection;
- ``rfc8414`` / ``rfc9207``: metadata and the ``iss`` authorization-response parameter;
- ``integration``: the one place where OAuth meets scopes, principals, passwords, MFA and page headers.
"""
