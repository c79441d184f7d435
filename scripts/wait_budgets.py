#!/usr/bin/env python3
"""Lists the tests' bounded waits that took a large share of their budget: the next flakes on a slower host.

    SMIME_TEST_WAIT_LOG=/tmp/waits.tsv SMIME_TEST_RESULTS_DIR=/tmp/trx bash scripts/test.sh --filter ...
    python3 scripts/wait_budgets.py /tmp/waits.tsv [more.tsv ...] [--share 0.4] [--trx DIR]

The log has one tab-separated line per wait (SmimePipeline.Testing.WaitBudgetLog: where, what, budget s, elapsed s,
met or timed-out); several logs (runs) are pooled. For each place it prints the waits, the longest, its share of the
budget and the timeouts, largest share first, for every place at or above --share (default 0.4: a wait that takes 40 %
of its budget on this machine under load fails on a host 2.5x slower). With --trx it also prints the slowest tests of
the TRX files under DIR. Exit 0; the list is for reading, not a verdict.
"""
import argparse
import glob
import sys
import xml.etree.ElementTree as ET
from collections import defaultdict

TRX = "{http://microsoft.com/schemas/VisualStudio/TeamTest/2010}"


def read_waits(paths):
    """{(where, what, budget): [(elapsed, met), ...]} from the logs; malformed lines are reported and skipped."""
    waits = defaultdict(list)
    for path in paths:
        with open(path, encoding="utf-8") as log:
            for number, line in enumerate(log, 1):
                fields = line.rstrip("\n").split("\t")
                if len(fields) != 5:
                    print(f"{path}:{number}: skipped, not 5 fields", file=sys.stderr)
                    continue
                where, what, budget, elapsed, outcome = fields
                waits[(where, what, float(budget))].append((float(elapsed), outcome == "met"))
    return waits


def over_share(waits, share):
    """Rows (share, where, what, budget, count, longest, timeouts) at or above share, largest first."""
    rows = []
    for (where, what, budget), seen in waits.items():
        longest = max(elapsed for elapsed, _ in seen)
        timeouts = sum(1 for _, met in seen if not met)
        ratio = longest / budget if budget > 0 else float("inf")
        if ratio >= share or timeouts:
            rows.append((ratio, where, what, budget, len(seen), longest, timeouts))
    return sorted(rows, reverse=True)


def slowest_tests(directory, count):
    """(seconds, outcome, name) of the count slowest tests in the TRX files under directory."""
    tests = []
    for path in glob.glob(directory + "/**/*.trx", recursive=True):
        for result in ET.parse(path).getroot().iter(f"{TRX}UnitTestResult"):
            h, m, s = result.get("duration", "0:0:0").split(":")
            tests.append((int(h) * 3600 + int(m) * 60 + float(s), result.get("outcome"), result.get("testName")))
    return sorted(tests, reverse=True)[:count]


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("logs", nargs="+")
    parser.add_argument("--share", type=float, default=0.4)
    parser.add_argument("--trx")
    parser.add_argument("--slowest", type=int, default=25)
    args = parser.parse_args(argv)
    waits = read_waits(args.logs)
    print(f"{sum(len(v) for v in waits.values())} waits at {len(waits)} places; at or above {args.share:.0%} of the budget:")
    print(f"{'share':>6} {'longest s':>9} {'budget s':>8} {'waits':>5} {'timeouts':>8}  where (what)")
    for ratio, where, what, budget, count, longest, timeouts in over_share(waits, args.share):
        print(f"{ratio:6.0%} {longest:9.2f} {budget:8.1f} {count:5d} {timeouts:8d}  {where} ({what})")
    if args.trx:
        print(f"\nslowest tests ({args.trx}):")
        for seconds, outcome, name in slowest_tests(args.trx, args.slowest):
            print(f"{seconds:8.1f} s  {outcome:7}  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
