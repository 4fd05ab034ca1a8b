#!/usr/bin/env python3
"""Writes the FrameFuzzer seeds (Fuzz/corpus/FrameFuzzer/) from docs/wire.md alone, without
the Swift encoder, so the seeds double as a check that the document describes the format:
Tests/WireTests/CorpusTests.swift decodes every `valid-*` seed and rejects every `invalid-*` one.

    python3 Fuzz/corpus/make-frame-seeds.py
"""
import os
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "FrameFuzzer")
SESSION = bytes(range(0xA0, 0xB0))


def u8(v): return struct.pack("<B", v)
def u32(v): return struct.pack("<I", v)
def u64(v): return struct.pack("<Q", v)
def f64(v): return struct.pack("<d", v)


def bits(values):
    """Bit vector: u64 count, bit i in bit i % 8 of byte i // 8."""
    data = bytearray((len(values) + 7) // 8)
    for i, b in enumerate(values):
        if b:
            data[i // 8] |= 1 << (i % 8)
    return u64(len(values)) + bytes(data)


def pattern(n, step=3):
    return [1 if (i * i + i // step) % 5 < 2 else 0 for i in range(n)]


def frame(ftype, payload, direction=0, sequence=0, pool=4096):
    header = b"DQKD" + u8(1) + u8(direction) + u8(ftype) + u8(0) + SESSION + u64(pool) + u32(sequence) + u32(0) + u64(len(payload))
    return header + payload + bytes(16)


def frames(ks): return u32(len(ks)) + b"".join(u32(k) for k in ks)
def text(s): return u32(len(s.encode())) + s.encode()


def plan():
    # 3,000 raw-key bits in two frames of 1,500, 330 and 331 checks, profile 3:0.6,8:0.4 with a
    # staircase, quasi-cyclic with lift 64.
    syndromes = [330, 331]
    body = u64(3000) + u64(1024) + u32(2) + b"".join(u32(s) for s in syndromes) + f64(0.02)
    body += u32(2) + u32(3) + f64(0.6) + u32(8) + f64(0.4) + u8(1) + u64(0x1234_5678_9ABC_DEF0) + u32(64)
    return body + bits(pattern(sum(syndromes)))


def hello(role):
    version = b"0.1.0"
    return (u8(role) + u64(3) + u8(len(version)) + version + u8(1) + u64(20000) + f64(0.1) + f64(5e-10) + f64(5e-10)
            + u32(64) + f64(1.2) + u64(4096)
            # refill bits, measurements (0: simulated source), pool state and pool state with
            # the held key (capacity, last refill block, refill chain)
            + u64(16640) + u8(0) + u64(4096) + u64(2) + u64(0x1234) + u64(6176) + u64(3) + u64(0x5678))


VALID = {
    "hello-alice": frame(0, hello(0)),
    "hello-bob": frame(0, hello(1), direction=1),
    "test-marks": frame(1, bits(pattern(77))),
    "begin": frame(2, u64(20000)),
    "inputs": frame(3, bits(pattern(200)), direction=1, sequence=1),
    "inputs-empty": frame(3, bits([])),
    "test-selection": frame(4, bits(pattern(64))),
    "test-outputs": frame(5, bits(pattern(19)), sequence=2),
    "syndromes": frame(6, plan(), sequence=3),
    "reconciliation-status": frame(7, frames([1]), direction=1, sequence=2),
    "reconciliation-status-done": frame(7, frames([]), direction=1, sequence=3),
    "extra-syndromes": frame(8, frames([1]) + u32(1) + bits(pattern(331)), sequence=4),
    "verification": frame(9, bits(pattern(3063)) + bits(pattern(64)), sequence=5),
    "verified": frame(10, b"", direction=1, sequence=4),
    "verification-failed": frame(11, b"", direction=1, sequence=4),
    "frame-hashes": frame(12, bits(pattern(1531)) + bits(pattern(64)), sequence=6),
    "frame-mismatch": frame(13, frames([0, 1]), direction=1, sequence=5),
    "privacy-amplification": frame(14, bits(pattern(3999)) + u64(1000), sequence=7),
    "abort": frame(15, text("parameter estimation: observed CHSH error 0.2 \u2265 bound"), direction=1),
    "key-confirmed": frame(16, b"", direction=1, sequence=5),
    "key-acknowledged": frame(17, b"", sequence=8),
}

INVALID = {
    "bad-magic": b"DQKE" + VALID["begin"][4:],
    "type-18": VALID["begin"][:6] + u8(18) + VALID["begin"][7:],
    "payload-length-2-63": VALID["begin"][:40] + u64(1 << 63) + VALID["begin"][48:],
    "truncated": VALID["inputs"][:-1],
    "unused-bits-set": frame(3, u64(3) + u8(0xF1)),
    "abort-not-utf8": frame(15, u32(2) + b"\xc0\x80"),
    "plan-lift-24": frame(6, plan()[:-(8 + 83) - 4] + u32(24) + plan()[-(8 + 83):]),
    "hello-rounds-0": frame(0, hello(0)[:16] + u64(0) + hello(0)[24:]),
}

if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    for prefix, seeds in (("valid", VALID), ("invalid", INVALID)):
        for name, data in seeds.items():
            with open(os.path.join(OUT, f"{prefix}-{name}"), "wb") as f:
                f.write(data)
