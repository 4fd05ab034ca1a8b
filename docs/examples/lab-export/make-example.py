#!/usr/bin/env python3
"""Writes alice.csv and bob.csv: a small event-ready Bell test in the shape of a lab's own
export, for the worked example of the README (and Tests/CLITests/WorkedExampleTests.swift).

Each lab exports its own file: comment lines first, then `Trial, Herald, Setting, Outcome, t_ps`
with a space after each comma; settings are 1 and 2, outcomes +1 and -1, times are integer
picoseconds on a shared clock, one heralded trial per millisecond. The labs are 1,280 m apart
(given on the command line, as the files carry no positions).

The outcomes are drawn from a Werner state of visibility V = 0.86 at the CHSH angles, so that
E_uv = +-V/sqrt(2) and S = 2 sqrt(2) V = 2.43 in expectation, with a = (-1)^x: outcome +1 is
bit 0. Alice picks setting 2 with probability 0.35, Bob uniformly, so the setting pairs are
unbalanced and the trial-weighted value 4 - 8 f/n differs from the correlator S.

    python3 docs/examples/lab-export/make-example.py   # rewrites the two files (seed 2015)
"""
import math
import os
import random

TRIALS = 1200
VISIBILITY = 0.86
rng = random.Random(2015)
here = os.path.dirname(os.path.abspath(__file__))

alice_rows, bob_rows = [], []
for trial in range(1, TRIALS + 1):
    u = 1 if rng.random() < 0.35 else 0
    v = rng.randrange(2)
    # P(x = y | u, v) = (1 + E_uv) / 2 with E_uv = V/sqrt(2), negated for (1, 1).
    e = VISIBILITY / math.sqrt(2) * (-1 if (u, v) == (1, 1) else 1)
    x = rng.randrange(2)
    y = x if rng.random() < (1 + e) / 2 else 1 - x
    start = trial * 1_000_000_000  # ps: one trial per millisecond
    alice_rows.append(f"{trial}, 1, {u + 1}, {'+1' if x == 0 else '-1'}, {start + rng.randrange(40_000, 60_000)}")
    bob_rows.append(f"{trial}, 1, {v + 1}, {'+1' if y == 0 else '-1'}, {start + rng.randrange(40_000, 60_000)}")

for name, lab, rows in (("alice.csv", "A (Alice)", alice_rows), ("bob.csv", "B (Bob)", bob_rows)):
    with open(os.path.join(here, name), "w", newline="\n") as f:
        f.write(f"# Event-ready Bell test, lab {lab}: heralded trials only\n")
        f.write("# Setting: 1 or 2 (random number generator); Outcome: +1 or -1 (readout)\n")
        f.write("# t_ps: setting choice time in picoseconds on the shared clock\n")
        f.write("Trial, Herald, Setting, Outcome, t_ps\n")
        f.write("\n".join(rows) + "\n")
