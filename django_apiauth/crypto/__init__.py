"""Pure cryptographic helpers with no ORM and no settings: random secrets, keyed hashes, encodings."""
