#!/usr/bin/env python3
"""Writes toeplitz.json: Toeplitz hashing test vectors computed straight from the definition
of SECURITY-MATH §4.5, K[j] = XOR over i of T[j][i] x[i] with T[j][i] = seed[i - j + l - 1],
independently of the Swift code. Bit strings are hex, most significant bit of the first byte
first, the last byte zero-padded. Run from this folder: python3 make_vectors.py
"""
import json
import random


def to_hex(bits):
    padded = bits + [0] * (-len(bits) % 8)
    return bytes(int("".join(map(str, padded[k:k + 8])), 2) for k in range(0, len(padded), 8)).hex()


def toeplitz(seed, x, l):
    n = len(x)
    return [sum(seed[i - j + l - 1] & x[i] for i in range(n)) % 2 for j in range(l)]


def main():
    rng = random.Random(20261127)
    shapes = [(1, 1), (8, 1), (8, 8), (13, 5), (64, 64), (65, 1), (100, 37), (257, 129), (500, 250), (777, 300)]
    vectors = []
    for n, l in shapes:
        x = [rng.randrange(2) for _ in range(n)]
        seed = [rng.randrange(2) for _ in range(n + l - 1)]
        vectors.append({"n": n, "l": l, "x": to_hex(x), "seed": to_hex(seed), "hash": to_hex(toeplitz(seed, x, l))})
    with open("toeplitz.json", "w") as out:
        json.dump({"generator": "make_vectors.py", "vectors": vectors}, out, indent=1)
        out.write("\n")


if __name__ == "__main__":
    main()
