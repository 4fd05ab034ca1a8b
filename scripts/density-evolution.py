#!/usr/bin/env python3
"""Density evolution (population dynamics) for the project's LDPC ensembles on the binary
symmetric channel: the smallest reconciliation efficiency f at which belief propagation on an
infinitely long code of the ensemble still converges (its threshold).

Ensemble: extended irregular repeat-accumulate, as `LDPCCode` builds it — a staircase of
weight-2 columns (one per check), the other columns with the given node-perspective weight
profile, check degrees as equal as possible. Frames of n bits at error rate p get
m = f n h(p) checks.

    scripts/density-evolution.py 0.02 3:0.65,10:0.35 3:0.6,12:0.4

prints one line per profile: the profile and its threshold f (bisection in [1.0, 1.4]; the
population of 40,000 samples makes it good to about 0.01). Needs numpy.
"""
import math
import sys

import numpy as np


def binary_entropy(p):
    return -p * math.log2(p) - (1 - p) * math.log2(1 - p)


def phi(x):
    x = np.clip(x, 1e-16, 50.0)
    return -np.log(np.tanh(x / 2))


def edge_distributions(profile, f, p):
    """Edge-perspective variable (lambda) and check (rho) degree distributions."""
    checks_per_bit = f * binary_entropy(p)
    nodes = {2: checks_per_bit}
    for degree, fraction in profile:
        nodes[degree] = nodes.get(degree, 0) + (1 - checks_per_bit) * fraction
    edges = sum(d * c for d, c in nodes.items())
    lam = {d: d * c / edges for d, c in nodes.items()}
    mean_check = edges / checks_per_bit
    low = math.floor(mean_check)
    upper_share = mean_check - low
    w_low, w_high = low * (1 - upper_share), (low + 1) * upper_share
    rho = {low: w_low / (w_low + w_high)}
    if upper_share > 1e-9:
        rho[low + 1] = w_high / (w_low + w_high)
    return lam, rho


def converges(lam, rho, p, population=40000, iterations=300, seed=1):
    """Whether the check-to-variable messages of the all-zero word become error-free."""
    rng = np.random.default_rng(seed)
    prior = math.log((1 - p) / p)
    checks = np.zeros(population)
    v_degrees, v_weights = list(lam), np.array(list(lam.values()))
    c_degrees, c_weights = list(rho), np.array(list(rho.values()))
    best, stalled = 1.0, 0
    for _ in range(iterations):
        parts = []
        for d, count in zip(v_degrees, rng.multinomial(population, v_weights)):
            if count:
                channel = np.where(rng.random(count) < p, -prior, prior)
                parts.append(channel + checks[rng.integers(0, population, (count, d - 1))].sum(1))
        variables = np.clip(np.concatenate(parts), -60, 60)
        rng.shuffle(variables)
        parts = []
        for d, count in zip(c_degrees, rng.multinomial(population, c_weights)):
            if count:
                incoming = variables[rng.integers(0, population, (count, d - 1))]
                odd = (incoming < 0).sum(1) % 2 == 1
                magnitude = phi(phi(np.abs(incoming)).sum(1))
                parts.append(np.where(odd, -magnitude, magnitude))
        checks = np.concatenate(parts)
        rng.shuffle(checks)
        errors = (checks < 0).mean()
        if errors == 0 and np.median(checks) > 15:
            return True
        if errors < best * 0.999:
            best, stalled = errors, 0
        else:
            stalled += 1
            if stalled > 40:
                return False
    return False


def threshold(profile, p, low=1.0, high=1.4, steps=7):
    for _ in range(steps):
        middle = (low + high) / 2
        if converges(*edge_distributions(profile, middle, p), p):
            high = middle
        else:
            low = middle
    return high


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    p = float(sys.argv[1])
    for text in sys.argv[2:]:
        pairs = [(int(d), float(a)) for d, a in (item.split(":") for item in text.split(","))]
        total = sum(a for _, a in pairs)
        profile = [(d, a / total) for d, a in pairs]
        print(text, round(threshold(profile, p), 4), flush=True)


if __name__ == "__main__":
    main()
