#!/usr/bin/env python3
"""Writes Tests/KeyStoreTests/Vectors/key-ids.json: key IDs computed independently of the
Swift code (hmac, hashlib, uuid), with negative cases.

A key ID is an RFC 9562 version-8 UUID. Its 122 free bits (UUID bits 0-47, 52-63, 66-127,
most significant first) hold a payload of: block number (24 bits), byte offset in the block
(28 bits), length in bytes (16 bits), and the first 54 bits of
HMAC-SHA256(ID key, b"diqkd key id v1" + block (3 bytes) + offset (4) + length (2), big-endian),
where the ID key is the block's first 32 bytes. docs/key-delivery.md has the layout.
Deterministic: the ID keys are SHA-256 of fixed labels.
Usage: python3 scripts/key-id-vectors.py
"""
import hashlib
import hmac
import json
import os
import uuid


def tag(id_key: bytes, block: int, offset: int, length: int) -> int:
    message = b"diqkd key id v1" + block.to_bytes(3, "big") + offset.to_bytes(4, "big") + length.to_bytes(2, "big")
    mac = hmac.new(id_key, message, hashlib.sha256).digest()
    return int.from_bytes(mac[:8], "big") >> 10


def key_id(id_key: bytes, block: int, offset: int, length: int) -> uuid.UUID:
    assert 1 <= block < 1 << 24 and 32 <= offset < 1 << 28 and 1 <= length < 1 << 16
    return pack(block << 98 | offset << 70 | length << 54 | tag(id_key, block, offset, length))


def pack(payload: int) -> uuid.UUID:
    """Places a 122-bit payload into the free bits of a version-8 UUID."""
    value = (payload >> 74) << 80            # payload bits 0-47 -> UUID bits 0-47
    value |= 8 << 76                         # version 8
    value |= ((payload >> 62) & 0xFFF) << 64 # payload bits 48-59 -> UUID bits 52-63
    value |= 0b10 << 62                      # variant
    value |= payload & ((1 << 62) - 1)       # payload bits 60-121 -> UUID bits 66-127
    out = uuid.UUID(int=value)
    assert out.version == 8 and out.variant == uuid.RFC_4122
    return out


def flip(u: uuid.UUID, bit: int) -> uuid.UUID:
    """Flips UUID bit `bit`, counted from the most significant (0) to the least (127)."""
    return uuid.UUID(int=u.int ^ (1 << (127 - bit)))


def main() -> None:
    keys = [hashlib.sha256(label).digest() for label in (b"diqkd vector key 1", b"diqkd vector key 2")]
    cases = [
        (0, 1, 32, 32),
        (0, 1, 64, 1),
        (0, 2, 1000, 65535),
        (1, 0xFFFFFF, (1 << 28) - 65535, 65535),
        (1, 123456, 0x0ABCDEF, 4096),
    ]
    valid = []
    for k, block, offset, length in cases:
        valid.append({"idKey": keys[k].hex(), "block": block, "offset": offset, "length": length,
                      "id": str(key_id(keys[k], block, offset, length)).upper()})
    good = key_id(keys[0], 1, 32, 32)
    invalid = [
        {"idKey": keys[0].hex(), "id": str(flip(good, 127)).upper(), "why": "last tag bit flipped", "parses": True},
        {"idKey": keys[0].hex(), "id": str(flip(good, 80)).upper(), "why": "a tag bit flipped", "parses": True},
        {"idKey": keys[0].hex(), "id": str(flip(good, 23)).upper(), "why": "lowest block bit flipped (block 0)", "parses": False},
        {"idKey": keys[0].hex(), "id": str(flip(good, 22)).upper(), "why": "a block bit flipped (block 3)", "parses": True},
        {"idKey": keys[0].hex(), "id": str(flip(good, 45)).upper(), "why": "an offset bit flipped", "parses": True},
        {"idKey": keys[0].hex(), "id": str(flip(good, 70)).upper(), "why": "a length bit flipped", "parses": True},
        {"idKey": keys[0].hex(), "id": str(flip(good, 49)).upper(), "why": "version nibble flipped (12)", "parses": False},
        {"idKey": keys[0].hex(), "id": str(flip(good, 64)).upper(), "why": "variant bit flipped", "parses": False},
        {"idKey": keys[1].hex(), "id": str(good).upper(), "why": "another block's ID key", "parses": True},
        {"idKey": keys[0].hex(), "id": str(pack(1 << 98 | 31 << 70 | 32 << 54 | tag(keys[0], 1, 31, 32))).upper(),
         "why": "offset 31, inside the ID key", "parses": False},
        {"idKey": keys[0].hex(), "id": str(pack(1 << 98 | 32 << 70 | 0 << 54 | tag(keys[0], 1, 32, 0))).upper(),
         "why": "length 0", "parses": False},
        {"idKey": keys[0].hex(), "id": "6BA7B810-9DAD-11D1-80B4-00C04FD430C8", "why": "a version-1 UUID", "parses": False},
    ]
    path = os.path.join(os.path.dirname(__file__), "..", "Tests", "KeyStoreTests", "Vectors", "key-ids.json")
    with open(path, "w") as f:
        json.dump({"generator": "scripts/key-id-vectors.py", "valid": valid, "invalid": invalid}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
