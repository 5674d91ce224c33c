"""Errors of the keys package.

KeysError                 code "keys_error"       root; every subclass carries a stable ``code``
├── UnsupportedAlgorithm  code "unsupported_alg"
├── KeyNotFound           code "unknown_key"
├── KeyStateError         code "key_state"
├── BadPassphrase         code "bad_passphrase"
└── InvalidKey            code "invalid_key"
"""

from __future__ import annotations


class KeysError(Exception):
    """Root of every error raised by :mod:`keys`."""

    code = "keys_error"


class UnsupportedAlgorithm(KeysError):
    code = "unsupported_alg"


class KeyNotFound(KeysError):
    code = "unknown_key"


class KeyStateError(KeysError):
    code = "key_state"


class BadPassphrase(KeysError):
    code = "bad_passphrase"


class InvalidKey(KeysError):
    code = "invalid_key"
