"""Pure cryptography, no ORM and no settings: random secrets, keyed hashes, encodings, key generation,
JWK and thumbprints, encryption of private keys at rest."""
