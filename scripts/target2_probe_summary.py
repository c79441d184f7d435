#!/usr/bin/env python3
"""Pools the runs of scripts/target2_probe.sh per variant: small mails' p99 over all rounds (reports with
latenciesMilliseconds), the median of each figure over rounds, and the ratio of each variant's pooled p99 to the
alone runs' pooled p99 (the same figure scripts/bench.sh gives target 2's verdict on).

  target2_probe_summary.py DIR [DIR ...]
"""
import glob
import json
import math
import os
import statistics
import sys


def nearest_rank(xs, q):
    return xs[min(len(xs) - 1, max(0, math.ceil(len(xs) * q) - 1))] if xs else float("nan")


runs = {}
for d in sys.argv[1:]:
    for path in sorted(glob.glob(os.path.join(d, "*.summary.json"))):
        name = os.path.basename(path)[: -len(".summary.json")]
        variant = name.rsplit("-", 1)[0]
        summary = json.load(open(path))
        report = json.load(open(path.replace(".summary.json", ".json")))
        runs.setdefault(variant, []).append((name, summary, report))

med = lambda xs: statistics.median([x for x in xs if x is not None]) if any(x is not None for x in xs) else float("nan")
pooled = {}
for variant, items in runs.items():
    lat = sorted(x for _, _, r in items for x in (r.get("latenciesMilliseconds") or []))
    pooled[variant] = nearest_rank(lat, 0.99) if lat else med([s["p99"] for _, s, _ in items])
alone = pooled.get("alone") or pooled.get("base-alone")
print(f"{'variant':<14} {'runs':>4} {'pooled p99':>10} {'x alone':>8} {'med p99':>8} {'med p50':>8} {'msg/s':>6} {'confirm':>8} {'senderQ':>8} "
      f"{'slot':>7} {'beam runq ms/s':>14} {'beam sync ms':>12} {'smime sync ms':>13} {'PG MB':>6} {'smime MB':>8}")
for variant, items in sorted(runs.items()):
    s = [x for _, x, _ in items]
    get = lambda k: med([x.get(k) for x in s])
    written = lambda who: med([(x.get("mbWrittenBy") or {}).get(who) for x in s])
    ratio = pooled[variant] / alone if alone else float("nan")
    print(f"{variant:<14} {len(items):>4} {pooled[variant]:>10.0f} {ratio:>8.2f} {get('p99'):>8.0f} {get('p50'):>8.0f} {get('msgPerSec'):>6.1f} "
          f"{get('publishConfirmP99'):>8.0f} {get('senderQueueP99'):>8.0f} {get('signerWaitP99'):>7.0f} {get('brokerRunQueueMsPerS'):>14.0f} "
          f"{get('brokerSyncMeanMs'):>12.2f} {get('smimeSyncMeanMs'):>13.2f} {written('postgres'):>6.0f} {written('smime'):>8.0f}")
