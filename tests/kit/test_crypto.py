from __future__ import annotations

from accord.kit.crypto import (
    KEY_LENGTH,
    display_prefix,
    generate_api_key,
    hash_api_key,
    is_well_formed_key,
)


def test_generated_keys_are_well_formed_and_unique() -> None:
    keys = {generate_api_key() for _ in range(200)}
    assert len(keys) == 200
    assert all(len(k) == KEY_LENGTH and is_well_formed_key(k) for k in keys)


def test_checksum_catches_a_typo() -> None:
    key = generate_api_key()
    flipped = key[:10] + ("a" if key[10] != "a" else "b") + key[11:]
    assert not is_well_formed_key(flipped)
    assert not is_well_formed_key(key[:-1])
    assert not is_well_formed_key("xyz_" + key[4:])
    assert not is_well_formed_key(key[:8] + "!" + key[9:])


def test_hash_depends_on_pepper() -> None:
    key = generate_api_key()
    assert hash_api_key(key, "a") != hash_api_key(key, "b")
    assert len(hash_api_key(key, "a")) == 64
    assert display_prefix(key) == key[:12]
