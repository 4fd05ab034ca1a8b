#!/usr/bin/env python3
"""Writes the seeds of PoolHeaderFuzzer (Fuzz/corpus/PoolHeaderFuzzer/) from the header layout
of docs/authentication.md and Sources/KeyPool/PoolHeader.swift's table: each seed is the pool
file's length (little-endian u64) then the header (magic DQKDPOOL, version u32 = 3, flags
u32 = 0, 16-byte pool ID, capacity u64, position u64, last refill's block number u64, refill
chain u64; version 2 has 8 zero bytes instead of the chain, version 1 16 zero bytes after the
position). `valid-*` decode, `invalid-*` are
rejected, one per kind of error."""
import os, struct

here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "PoolHeaderFuzzer")
os.makedirs(here, exist_ok=True)
pool_id = bytes(range(0x30, 0x40))

def header(capacity, position, *, magic=b"DQKDPOOL", version=3, flags=0, refill=0, reserved=bytes(8)):
    tail = struct.pack("<Q", refill) + reserved
    return magic + struct.pack("<II", version, flags) + pool_id + struct.pack("<QQ", capacity, position) + tail

def seed(file_length, header_bytes):
    return struct.pack("<Q", file_length) + header_bytes

seeds = {
    "valid-fresh": seed(64 + 4096, header(4096, 0)),
    "valid-half-spent": seed(64 + 4096, header(4096, 2048)),
    "valid-exhausted": seed(64 + 4096, header(4096, 4096)),
    "valid-empty": seed(64, header(0, 0)),
    "valid-largest": seed(64 + (1 << 37), header(1 << 37, 1 << 36)),
    "valid-appended-bytes-after": seed(64 + 4096 + 512, header(4096, 16)),
    "invalid-file-shorter-than-header": seed(63, header(0, 0)),
    "invalid-header-63-bytes": seed(64 + 4096, header(4096, 0)[:63]),
    "invalid-bad-magic": seed(64 + 4096, header(4096, 0, magic=b"DQKDPOOX")),
    "valid-refilled-from-block-7": seed(64 + 4096, header(4096, 0, refill=7)),
    "valid-version-1": seed(64 + 4096, header(4096, 16, version=1)),
    "valid-version-2": seed(64 + 4096, header(4096, 16, version=2, refill=3)),
    "valid-refill-chain": seed(64 + 4096, header(4096, 0, refill=7, reserved=bytes(range(1, 9)))),
    "invalid-version-4": seed(64 + 4096, header(4096, 0, version=4)),
    "invalid-version-0": seed(64 + 4096, header(4096, 0, version=0)),
    "invalid-version-1-refill-set": seed(64 + 4096, header(4096, 0, version=1, refill=7)),
    "invalid-flags": seed(64 + 4096, header(4096, 0, flags=1)),
    "invalid-reserved-set": seed(64 + 4096, header(4096, 0, version=2, reserved=bytes(7) + b"\1")),
    "invalid-capacity-unaligned": seed(64 + 4096, header(4095, 0)),
    "invalid-capacity-too-large": seed(64 + (1 << 38), header((1 << 37) + 16, 0)),
    "invalid-position-beyond-capacity": seed(64 + 4096, header(4096, 4112)),
    "invalid-position-unaligned": seed(64 + 4096, header(4096, 8)),
    "invalid-truncated-key": seed(64 + 4080, header(4096, 0)),
    "invalid-length-2-64-minus-1-capacity-too-large": seed((1 << 64) - 1, header(1 << 63, 0)),
}
for name, data in seeds.items():
    with open(os.path.join(here, name), "wb") as f:
        f.write(data)
