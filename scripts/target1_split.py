#!/usr/bin/env python3
"""Target 1's split (issue 17): a CPU figure per mail of the product stated against the protect crypto floor as

    floor 1.00 + guarantees + MassTransit + ours beyond MassTransit

where the guarantees are `smime bench guarantees` (raw RabbitMQ.Client: quorum queue, confirms, manual acks, ledger,
fsync'd pickup file, two events, one trace; no MassTransit, no MIME, no cryptography), MassTransit is what
`smime bench guarantees --via masstransit` (the same guarantees through the product's own MassTransit 8.5 bus) costs beyond
them, and ours beyond MassTransit the rest (MIME, our own work, what they cost the broker). Without a MassTransit run the
split is three-way: floor 1.00 + guarantees + ours. Each run's ceiling is (its CPU per mail + floor) / floor: what target 1
would measure if the product added nothing to that run but the floor.

The one place this arithmetic lives (session 20): scripts/bench_summary.py (bench.sh's verdicts, whole-machine figures)
and scripts/guarantees_ab_summary.py (bench-guarantees-ab.sh's rounds, whole machine and process + RabbitMQ) both use it;
tests/scripts/test_target1_split.py pins it. Any unit works (ms per mail) as long as all four figures share it.
"""

FOUR_WAY = "floor 1.00 + guarantees {guarantees:.2f} + MassTransit {masstransit:.2f} + ours beyond MassTransit {oursBeyondMassTransit:.2f}"
THREE_WAY = "floor 1.00 + guarantees {guarantees:.2f} + ours {ours:.2f}"


def ceiling(run_ms, floor_ms):
    """A run's ceiling: (its CPU per mail + the floor) / the floor."""
    return (run_ms + floor_ms) / floor_ms


def split(product_ms, guarantees_ms, floor_ms, masstransit_ms=None):
    """The product's CPU per mail (product_ms) split by the floor: total (product / floor), floor 1.0, guarantees
    (guarantees / floor), ours (the rest beyond guarantees and floor), guaranteesCeiling; with masstransit_ms also
    masstransit (MassTransit guarantees - raw guarantees, / floor), oursBeyondMassTransit (the rest beyond MassTransit
    guarantees and floor) and massTransitCeiling. The parts add up to total. A part below 0 means the runs disagree (on
    a shared machine: other processes ran in one of them)."""
    parts = {
        "total": product_ms / floor_ms,
        "floor": 1.0,
        "guarantees": guarantees_ms / floor_ms,
        "ours": (product_ms - guarantees_ms - floor_ms) / floor_ms,
        "guaranteesCeiling": ceiling(guarantees_ms, floor_ms),
    }
    if masstransit_ms is not None:
        parts.update({
            "masstransit": (masstransit_ms - guarantees_ms) / floor_ms,
            "oursBeyondMassTransit": (product_ms - masstransit_ms - floor_ms) / floor_ms,
            "massTransitCeiling": ceiling(masstransit_ms, floor_ms),
        })
    return parts


def text(parts):
    """The split as printed: four-way when it has MassTransit, else three-way (no total: callers add their own)."""
    return (FOUR_WAY if "masstransit" in parts else THREE_WAY).format(**parts)
