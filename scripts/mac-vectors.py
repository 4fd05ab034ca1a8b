#!/usr/bin/env python3
"""Writes Tests/AuthenticationTests/Vectors/mac-vectors.json: test vectors for the
Wegman-Carter authentication of docs/authentication.md, computed with plain Python integers
and bit-by-bit multiplication, independently of the Swift and C code.

Conventions (docs/authentication.md):
- GF(2^128) = GF(2)[x]/(x^128 + x^7 + x^2 + x + 1); an element is the integer whose bit i is the
  coefficient of x^i, written as 16 bytes little-endian, in hex.
- h_k(m) = sum_{i=1..L} m_i k^(L+1-i): m cut into 16-byte little-endian blocks (the last one
  zero-padded), then a length block holding 8 * len(m); L = ceil(len(m) / 16) + 1.
  Evaluated here by the direct sum (powers of k), not by Horner's rule.
- tag = h_k(m) XOR r.
- A reservation of 16 + 2 * 32 * 16 bytes: k at bytes 0..<16, the pad for direction d and
  sequence s at 16 + (d * 32 + s) * 16.

Run from the repository root: python3 scripts/mac-vectors.py
"""
import json
import os
import random

MODULUS = (1 << 128) | 0x87
MASK = (1 << 128) - 1
TAGS_PER_DIRECTION = 32
RESERVATION_BYTES = 16 + 2 * TAGS_PER_DIRECTION * 16


def multiply(a, b):
    """Shift-and-add product of two field elements, reducing one bit at a time."""
    product = 0
    for i in range(128):
        if (b >> i) & 1:
            product ^= a << i
    for bit in range(254, 127, -1):
        if (product >> bit) & 1:
            product ^= MODULUS << (bit - 128)
    assert product >> 128 == 0
    return product


def power(a, e):
    result = 1
    for _ in range(e):
        result = multiply(result, a)
    return result


def element_hex(a):
    return a.to_bytes(16, "little").hex()


def blocks(message):
    padded = message + bytes(-len(message) % 16)
    out = [int.from_bytes(padded[j:j + 16], "little") for j in range(0, len(padded), 16)]
    out.append(8 * len(message))
    return out


def poly_hash(key, message):
    m = blocks(message)
    length = len(m)
    total = 0
    for i, block in enumerate(m, start=1):
        total ^= multiply(block, power(key, length + 1 - i))
    return total


def flip_bit(data, bit):
    out = bytearray(data)
    out[bit // 8] ^= 1 << (bit % 8)
    return bytes(out)


def main():
    rng = random.Random(20260418)
    x = 2
    all_ones = MASK
    special = [0, 1, x, all_ones, 1 << 127, 0x87]

    multiplications = []
    pairs = [(a, b) for a in special for b in special]
    pairs += [(rng.getrandbits(128), rng.getrandbits(128)) for _ in range(24)]
    for a, b in pairs:
        multiplications.append({"a": element_hex(a), "b": element_hex(b), "product": element_hex(multiply(a, b))})

    hashes = []
    keys = [0, 1, x, all_ones, rng.getrandbits(128)]
    lengths = [0, 1, 15, 16, 17, 31, 32, 33, 1000, rng.randrange(34, 400)]
    for length in lengths:
        message = bytes(rng.getrandbits(8) for _ in range(length))
        for key in keys:
            hashes.append({"key": element_hex(key), "message": message.hex(), "hash": element_hex(poly_hash(key, message))})

    tags = []
    negatives = []
    for length in [0, 1, 16, 17, 100]:
        key = rng.getrandbits(128)
        pad = rng.getrandbits(128)
        message = bytes(rng.getrandbits(8) for _ in range(length))
        tag = poly_hash(key, message) ^ pad
        tags.append({"key": element_hex(key), "pad": element_hex(pad), "message": message.hex(), "tag": element_hex(tag)})

        def negative(reason, k=key, p=pad, m=message, t=tag):
            # Every negative case must really fail under the definition.
            assert poly_hash(k, m) ^ p != t, reason
            negatives.append({"reason": reason, "key": element_hex(k), "pad": element_hex(p),
                              "message": m.hex(), "tag": element_hex(t)})

        if length > 0:
            negative("message bit flipped", m=flip_bit(message, rng.randrange(8 * length)))
            negative("message truncated", m=message[:-1])
        negative("zero byte appended", m=message + b"\x00")
        negative("tag bit flipped", t=tag ^ (1 << rng.randrange(128)))
        negative("pad bit flipped", p=pad ^ (1 << rng.randrange(128)))
        if length > 0:
            # A key change moves the hash unless the difference polynomial vanishes at the new key,
            # which the assertion in negative() would catch.
            negative("key bit flipped", k=key ^ (1 << rng.randrange(128)))

    reservations = []
    for _ in range(2):
        reservation = bytes(rng.getrandbits(8) for _ in range(RESERVATION_BYTES))
        key = int.from_bytes(reservation[:16], "little")
        frames = []
        for direction, sequence in [(0, 0), (0, 31), (1, 0), (1, 17)]:
            offset = 16 + (direction * TAGS_PER_DIRECTION + sequence) * 16
            pad = int.from_bytes(reservation[offset:offset + 16], "little")
            message = bytes(rng.getrandbits(8) for _ in range(rng.randrange(0, 200)))
            frames.append({"direction": direction, "sequence": sequence, "message": message.hex(),
                           "tag": element_hex(poly_hash(key, message) ^ pad)})
        reservations.append({"reservation": reservation.hex(), "frames": frames})

    document = {
        "generator": "scripts/mac-vectors.py",
        "field": "GF(2)[x]/(x^128 + x^7 + x^2 + x + 1), bit i of the 16-byte little-endian integer = coefficient of x^i",
        "multiplications": multiplications,
        "hashes": hashes,
        "tags": tags,
        "negatives": negatives,
        "reservations": reservations,
    }
    path = os.path.join("Tests", "AuthenticationTests", "Vectors", "mac-vectors.json")
    with open(path, "w") as out:
        json.dump(document, out, indent=1)
        out.write("\n")


if __name__ == "__main__":
    main()
