"""API key material: generation, checksum, and the keyed hash we store.

A key looks like ``acd_<30 base62 chars><6 base62 chars of CRC32>``. The prefix makes a
leaked key easy to recognise (secret scanners); the checksum lets us reject a mistyped
key without touching the database. We store HMAC-SHA256(pepper, key): fast enough for
every request, useless to an attacker who has the database but not the pepper.

Peppers rotate without a flag day (ADR 0035): several may be configured, the first
issues and all verify. What was made under which pepper is recorded by the pepper's
`pepper_id`, never by the pepper itself.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import zlib
from functools import lru_cache

KEY_PREFIX = "acd_"
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_BODY_LEN = 30
_CHECK_LEN = 6
KEY_LENGTH = len(KEY_PREFIX) + _BODY_LEN + _CHECK_LEN
DISPLAY_PREFIX_LENGTH = len(KEY_PREFIX) + 8


def _base62(number: int, width: int) -> str:
    chars = []
    for _ in range(width):
        number, rem = divmod(number, 62)
        chars.append(_ALPHABET[rem])
    return "".join(reversed(chars))


def _checksum(body: str) -> str:
    return _base62(zlib.crc32(body.encode("ascii")), _CHECK_LEN)


def generate_api_key() -> str:
    body = "".join(secrets.choice(_ALPHABET) for _ in range(_BODY_LEN))
    return f"{KEY_PREFIX}{body}{_checksum(body)}"


def is_well_formed_key(key: str) -> bool:
    """Shape and checksum only; says nothing about whether the key exists."""
    if len(key) != KEY_LENGTH or not key.startswith(KEY_PREFIX):
        return False
    body, check = key[len(KEY_PREFIX) : -_CHECK_LEN], key[-_CHECK_LEN:]
    if any(c not in _ALPHABET for c in body):
        return False
    return hmac.compare_digest(_checksum(body), check)


def display_prefix(key: str) -> str:
    return key[:DISPLAY_PREFIX_LENGTH]


def hash_api_key(key: str, pepper: str) -> str:
    return hmac.new(pepper.encode("utf-8"), key.encode("utf-8"), hashlib.sha256).hexdigest()


PEPPER_ID_LENGTH = 16


@lru_cache(maxsize=32)
def pepper_id(pepper: str) -> str:
    """A short public name for a pepper, stored next to what was made under it.

    Any fixed function of the pepper lets whoever reads the database test guesses of it
    offline, so this one is slow on purpose (scrypt, about 40 ms and 16 MiB a guess);
    computed once per pepper and process (cached)."""
    digest = hashlib.scrypt(
        pepper.encode("utf-8"), salt=b"accord-pepper-id", n=2**14, r=8, p=1, dklen=8
    )
    return digest.hex()
