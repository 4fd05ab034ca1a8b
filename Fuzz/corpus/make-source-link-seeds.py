#!/usr/bin/env python3
"""Writes the seeds of SourceLinkFuzzer (Fuzz/corpus/SourceLinkFuzzer/) from the frame layout
documented on `SourceWire` (Sources/SourceLink/SourceWire.swift), not from the Swift code:
a 16-byte header (magic DQKS, version 1, type, two zero bytes, payload length as a
little-endian u64), then the payload. `valid-*` decode and re-encode to the same bytes;
`invalid-*` are rejected, one per kind of error."""
import os, struct

here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "SourceLinkFuzzer")
os.makedirs(here, exist_ok=True)

def frame(kind, payload, *, magic=b"DQKS", version=1, reserved=b"\0\0", length=None):
    n = len(payload) if length is None else length
    return magic + bytes([version, kind]) + reserved + struct.pack("<Q", n) + payload

def batch(bits):
    packed = bytearray((len(bits) + 7) // 8)
    for i, bit in enumerate(bits):
        packed[i // 8] |= bit << (i % 8)
    return struct.pack("<I", len(bits)) + bytes(packed)

label = bytes(range(0xA0, 0xB0))
seeds = {
    "valid-open-alice": frame(1, b"\0" + label),
    "valid-open-bob": frame(1, b"\1" + label),
    "valid-measure-1": frame(2, batch([1])),
    "valid-measure-13": frame(2, batch([1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 1, 0, 1])),
    "valid-measure-64": frame(2, batch([(i * 7 >> 2) & 1 for i in range(64)])),
    "valid-outputs-100": frame(3, batch([(i * 5 >> 1) & 1 for i in range(100)])),
    "valid-error": frame(4, b"no run with this label"),
    "valid-error-empty": frame(4, b""),
    "valid-error-utf8": frame(4, "Messung für Bob abgebrochen ✗".encode()),
    "invalid-short-header": frame(2, batch([1]))[:10],
    "invalid-bad-magic": frame(2, batch([1]), magic=b"DQKD"),
    "invalid-version-2": frame(2, batch([1]), version=2),
    "invalid-reserved-set": frame(2, batch([1]), reserved=b"\0\1"),
    "invalid-type-5": frame(5, b""),
    "invalid-length-2-63": frame(4, b"", length=1 << 63),
    "invalid-truncated": frame(3, batch([1] * 40))[:-2],
    "invalid-open-role-2": frame(1, b"\2" + label),
    "invalid-open-short-label": frame(1, b"\0" + label[:15]),
    "invalid-measure-0-rounds": frame(2, struct.pack("<I", 0)),
    "invalid-measure-too-many-rounds": frame(2, struct.pack("<I", (1 << 20) + 1)),
    "invalid-measure-byte-count": frame(2, struct.pack("<I", 9) + b"\xff"),
    "invalid-measure-bits-past-end": frame(2, struct.pack("<I", 3) + b"\x0f"),
    "invalid-error-not-utf8": frame(4, b"bad \xc0\x80 byte"),
    "invalid-error-too-long": frame(4, b"x" * 4097),
}
for name, data in seeds.items():
    with open(os.path.join(here, name), "wb") as f:
        f.write(data)
