#!/usr/bin/env python3
"""Issue 17, session 20: the report of scripts/bench-spans-ab.sh.

    python3 scripts/spans_ab_report.py OUT [BASE]

Reads OUT/census-BENCH-VARIANT.json (spans per mail by source, name, kind, recorded) and OUT/BENCH-VARIANT-R.json with
OUT/round-R.txt (load, openssl speed). Prints the census, then per bench and round each variant's CPU per mail (smime,
RabbitMQ, machine), bytes allocated, thread-pool work items and voluntary switches per mail, and its ratio to the
round's BASE run (default `recorded`; bench-spans-ab.sh --settings passes its first variant); then the median ratio over
the rounds. Session 22: then, for every pipeline run that followed its mails, its bounded places (Little's law over the
run): the signer's window, the delivery places and the protect slots, each as mails inside on average / its limit and
the share of the run it was full, the time one mail held a delivery place (inside ÷ msg/s), and what the signer's window
was held for (waiting to protect, protecting, waiting for a delivery place, delivering, after the ESP's answer).
"""
import glob
import json
import os
import re
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import allocation_check  # noqa: E402  scripts/allocation_check.py: whether the allocation figure can be trusted (session 23)


def load(path):
    """A run's report, or None while it is being written (or when its run failed and left it empty)."""
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None

FIELDS = [
    ("msg/s", "messagesPerSecond"),
    ("smime ms", "processCpuMillisecondsPerMail"),
    ("RabbitMQ ms", "brokerCpuMillisecondsPerMail"),
    ("machine ms", "machineCpuMillisecondsPerMail"),
    ("alloc B", "allocatedBytesPerMail"),
    ("work items", "threadPoolWorkItemsPerMail"),
    ("vol. switches", "voluntarySwitchesPerMail"),
    ("OTLP trace B", "otlpTraceBytesPerMail"),
]


def census(out):
    lines = []
    for path in sorted(glob.glob(os.path.join(out, "census-*.json"))):
        if path.endswith(".otlp.json"):
            continue
        name = os.path.basename(path)[len("census-"):-len(".json")]
        spans = (load(path) or {}).get("spans") or []
        by_source = {}
        for s in spans:
            key = (s["source"], "recorded" if s["allData"] else "context only")
            by_source[key] = by_source.get(key, 0) + s["perMail"]
        total = sum(s["perMail"] for s in spans)
        lines.append(f"census {name}: {total:.2f} spans per mail; " + ", ".join(
            f"{src} {kind} {n:.2f}" for (src, kind), n in sorted(by_source.items())))
        exported = load(path[:-len(".json")] + ".otlp.json")
        settings = os.path.join(out, "settings.txt")
        if exported and os.path.exists(settings):
            words = open(settings).read().split()
            mails = 2 * int(words[words.index("census") + 1])  # the census run's warm-up and measured mails
            lines.append(f"    OTLP trace bytes per mail (warm-up included): {exported.get('/v1/traces', {}).get('bytes', 0) / mails:.1f}")
        for s in spans:
            lines.append(f"    {s['source']:<28} {s['kind']:<9} {'recorded' if s['allData'] else 'context':<8}"
                         f" {'sampled' if s['sampled'] else '-':<8} {s['perMail']:>7.3f}  {s['name']}")
    return lines


def rounds(out):
    found = {}
    for path in glob.glob(os.path.join(out, "*-*-*.json")):
        m = re.fullmatch(r"(pipeline|guarantees)-(\w+)-(\d+)\.json", os.path.basename(path))
        if m and (d := load(path)) is not None:
            found.setdefault(m.group(1), {}).setdefault(int(m.group(3)), {})[m.group(2)] = d
    return found


def otlp_bytes_per_mail(out, bench, variant, r):
    """OTLP trace bytes a run exported per mail, warm-up mails included (bench-spans-ab.sh --otlp), or None."""
    counts = load(os.path.join(out, f"{bench}-{variant}-{r}.otlp.json"))
    settings = os.path.join(out, "settings.txt")
    if not counts or not os.path.exists(settings):
        return None
    words = open(settings).read().split()
    mails = int(words[words.index("messages") + 1]) + int(words[words.index("warmup") + 1])
    return round(counts.get("/v1/traces", {}).get("bytes", 0) / mails, 1)


def round_note(out, r):
    path = os.path.join(out, f"round-{r}.txt")
    return open(path).read().replace("\n", ", ").strip(", ") if os.path.exists(path) else ""


def place(occupancy, name):
    o = (occupancy or {}).get(name)
    return "-" if not o else f"{o['average']:g}/{o['limit']} ({100 * o['fullShare']:.0f} % full)"


def windows(by_round):
    """Per pipeline run: its bounded places and what held the signer's window (session 22: which window binds the rate)."""
    lines = []
    for r in sorted(by_round):
        for variant, d in sorted(by_round[r].items()):
            stages = d.get("stages") or {}
            occupancy = stages.get("occupancy")
            if not occupancy:
                continue
            places = occupancy.get("senderConcurrency") or {}
            rate = d.get("messagesPerSecond") or 0
            held = f", {1000 * places['average'] / rate:.1f} ms each" if places and rate else ""
            window = stages.get("signerWindow") or {}
            parts = [("to protect", "waitingToProtect"), ("protecting", "protecting"), ("for a place", "waitingForDelivery"),
                     ("delivering", "delivering"), ("after", "afterDelivery")]
            lines.append(f"    {r} {variant:<11} signer {place(occupancy, 'signerInFlight')} | places {place(occupancy, 'senderConcurrency')}{held}"
                         f" | protect {place(occupancy, 'protectSlots')} | held for: "
                         + ", ".join(f"{label} {window[k]:g}" for label, k in parts if k in window))
    return lines


def main(out, base_variant="recorded"):
    for line in census(out):
        print(line)
    for bench, by_round in sorted(rounds(out).items()):
        print(f"\n{bench}: " + " | ".join(label for label, _ in FIELDS) + f" (ratio to {base_variant} in the same round)")
        ratios = {}
        for r in sorted(by_round):
            print(f"round {r} ({round_note(out, r)})")
            base = by_round[r].get(base_variant)
            for variant, d in sorted(by_round[r].items()):
                exported = otlp_bytes_per_mail(out, bench, variant, r)
                if exported is not None:
                    d = dict(d, otlpTraceBytesPerMail=exported)
                cells = []
                for label, field in FIELDS:
                    v = d.get(field)
                    b = (base.get(field) if field != "otlpTraceBytesPerMail" else otlp_bytes_per_mail(out, bench, base_variant, r)) if base else None
                    cell = "-" if v is None else f"{v:g}"
                    # Session 23: an allocation figure its check calls untrustworthy is marked and kept out of the ratios.
                    untrustworthy = field == "allocatedBytesPerMail" and (allocation_check.trusted(d) is False or (base is not None and allocation_check.trusted(base) is False))
                    if field == "allocatedBytesPerMail" and allocation_check.trusted(d) is False:
                        cell += " UNTRUSTWORTHY"
                    if v is not None and b and variant != base_variant and not untrustworthy:
                        ratio = v / b
                        ratios.setdefault((variant, label), []).append(ratio)
                        cell += f" ({ratio:.3f})"
                    cells.append(cell)
                print(f"    {variant:<11} " + " | ".join(cells))
        for (variant, label), values in sorted(ratios.items()):
            print(f"  median {variant} / {base_variant}, {label}: {statistics.median(values):.3f} over {len(values)} rounds"
                  f" ({', '.join(f'{x:.3f}' for x in values)})")
        if bench == "pipeline" and (lines := windows(by_round)):
            print("pipeline windows: mails inside on average / limit (share of the run full), by round and variant")
            for line in lines:
                print(line)


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    main(*sys.argv[1:])
