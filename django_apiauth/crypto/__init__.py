"""Pure cryptography, no ORM: key generation, JWK and thumbprints, encryption of private keys at rest."""
