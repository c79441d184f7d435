"""Summary of scripts/bench-target2-ab.sh's runs (issue 17, session 13): one line per run in the order they ran, then per
label the pooled p99 of small mails over its rounds and, for mixed labels, the ratio to the pooled p99 of the alone runs.
Usage: python3 scripts/bench_target2_summary.py OUT_DIR"""
import json
import math
import os
import sys
from pathlib import Path


def p99(values):
    values = sorted(values)
    return values[max(0, math.ceil(0.99 * len(values)) - 1)] if values else float("nan")


def stage(stages, name):
    s = (stages or {}).get(name) or {}
    return s.get("p99Milliseconds", float("nan")), s.get("mails", 0)


def after_answer(stages):
    """Session 15: the ESP's answer to the attempt's end (the EmailDelivered confirm), p99 / mean; '-' for older builds."""
    s = (stages or {}).get("afterAnswer")
    return f"{s['p99Milliseconds']:,.0f} / {s['meanMilliseconds']:,.0f}" if s else "-"


def cpu(r):
    """Session 14: CPU per mail of our process, the broker, PostgreSQL and the whole machine (ms)."""
    def ms(key):
        value = r.get(key)
        return f"{value:.2f}" if isinstance(value, (int, float)) else "-"
    return " / ".join(ms(k) for k in ("processCpuMillisecondsPerMail", "brokerCpuMillisecondsPerMail",
                                      "postgresCpuMillisecondsPerMail", "machineCpuMillisecondsPerMail"))


def asked(r):
    """The share of the machine the run's pace asks of our stack: (smime + broker + PostgreSQL) CPU per mail × the pace,
    over the cores. Not the whole machine's figure: on a shared machine that counts the other users' CPU too."""
    parts = [r.get(k) for k in ("processCpuMillisecondsPerMail", "brokerCpuMillisecondsPerMail", "postgresCpuMillisecondsPerMail")]
    rate = r.get("publishRate") or r.get("messagesPerSecond")
    if not all(isinstance(p, (int, float)) for p in parts[:2]) or not rate:
        return "-"
    return f"{sum(p for p in parts if isinstance(p, (int, float))) * rate / 1000 / (os.cpu_count() or 1):.0%}"


def window(stages):
    """Session 15: what one size's mails held the signer's window for, on average (bench's signerWindow)."""
    w = (stages or {}).get("signerWindow")
    if not w:
        return "-"
    return (f"{w['total']:.1f} = {w['waitingToProtect']:.1f} + {w['protecting']:.1f} + {w['waitingForDelivery']:.1f} + "
            f"{w['delivering']:.1f} + {w['afterDelivery']:.1f}")


def place(o):
    """A place's average mails inside / its limit, and (session 15) the share of the run it was full."""
    if not o:
        return "-"
    full = f" ({o['fullShare']:.1%} full)" if "fullShare" in o else ""
    return f"{o['average']:.1f} / {o['limit']}{full}"


def slowest(stages):
    """Session 15: the mean of each stage over the slowest 1 % of the small mails (bench's slowestStages)."""
    if not stages:
        return "-"
    names = ("publish", "signerQueue", "signerWait", "protect", "handOver", "delivery", "total")
    return f"({stages['mails']}) " + ", ".join(f"{stages[n]['meanMilliseconds']:,.0f}" for n in names)


def reports(out):
    """Each run's name and report, in the order they ran, skipping runs that left none."""
    for line in (out / "runs.txt").read_text().splitlines():
        run = line.split()[0]
        path = out / f"{run}.json"
        if path.exists() and path.stat().st_size > 0:
            yield run, json.loads(path.read_text())


def window_table(out):
    """The signer's window per run: its limit and average, and each size's share (waiting to protect + protecting +
    waiting for delivery + delivering + after), from builds whose bench reports it (session 15)."""
    print("\nrun | signer window average / limit (full) | sender places average / limit (full) | small: total = to protect + "
          "protecting + waiting for delivery + delivering + after | large: the same | slowest 1 % of small mails, mean ms: "
          "publish, signer queue, signer wait, protect, hand-over, delivery, total")
    for run, r in reports(out):
        occupancy = (r.get("stages") or {}).get("occupancy") or {}
        print(f"{run} | {place(occupancy.get('signerInFlight'))} | {place(occupancy.get('senderConcurrency'))} | "
              f"{window(r.get('stages'))} | {window(r.get('largeStages'))} | {slowest(r.get('slowestStages'))}")


def gc_table(out):
    """Session 16: what the GC did per run (bench's `gc`): pause per mail, the largest pause, gen-2 collections blocking +
    background per 1,000 mails, allocation per mail, and the pause inside the small mails' publish → file, on average and
    over the slowest 1 % (beside those mails' own time): how much of the tail the GC's pauses explain."""
    print("\nrun | allocated KB/mail | gen-2 per 1,000 blocking + background | GC pause µs/mail | pauses (>= 10 ms) | largest pause ms (gen) | "
          "paused inside a small mail, ms: mean, slowest 1 % (of their publish → file ms)")
    for run, r in reports(out):
        g = r.get("gc")
        if not g:
            print(f"{run} | {r.get('allocatedBytesPerMail', 0) / 1024:.0f} | {r.get('gen2CollectionsPerThousandMails', 0):.1f} (not split: a build before session 16) | -")
            continue
        print(f"{run} | {r.get('allocatedBytesPerMail', 0) / 1024:.0f} | {g['gen2BlockingPerThousandMails']:.1f} + {g['gen2BackgroundPerThousandMails']:.1f} | "
              f"{g['pauseMicrosecondsPerMail']:,.0f} | {g['pauses']} ({g['pausesOver10Milliseconds']}) | {g['largestPauseMilliseconds']:,.1f} ({g['largestPauseGeneration']}) | "
              f"{g['mailPauseMilliseconds']:,.1f}, {g['slowestMailPauseMilliseconds']:,.1f} (of {g['slowestMailLatencyMilliseconds']:,.0f})")
def postgres_writes(path, r):
    """Session 16: PostgreSQL's bytes written (all its processes) and WAL during the run (warm-up and the run-end DELETE +
    VACUUM included), per large mail of warm-up and run; '-' without large mails or without the file."""
    if not path.exists():
        return "-"
    written, wal, mails = (int(x) for x in path.read_text().split())
    every = r.get("largeEvery") or (1 if r.get("message") == "large" else 0)
    large = mails // every if every else 0
    return f"{written / 1e6 / large:.2f} / {wal / 1e6 / large:.2f}" if large else "-"


def main(out):
    out = Path(out)
    pooled, kinds = {}, {}
    header = ("run", "start", "load", "msg/s", "small p50/p99", "large p99", "in process", "sender queue p99 (mails)",
              "hand-over p99 (in process: to a place)", "delivery p99", "answer to attempt's end p99 / mean", "signer queue p99", "publish p99", "sender busy",
              "CPU ms/mail smime / broker / PostgreSQL / machine", "share asked by ours",
              "PostgreSQL MB written / WAL MB per large mail")
    print(" | ".join(header))
    for line in (out / "runs.txt").read_text().splitlines():
        run, start, _, load, *_ = line.split()
        label, _, rnd = run.rpartition("-")
        path = out / f"{run}.json"
        if not path.exists() or path.stat().st_size == 0:
            print(f"{run} | {start} | {load} | (no result: see {run}.err)")
            continue
        r = json.loads(path.read_text())
        kinds[label] = "mixed" if r.get("largeEvery") else "alone"
        pooled.setdefault(label, []).extend(r.get("latenciesMilliseconds") or [])
        st = r.get("stages")
        sq, sqn = stage(st, "senderQueue")
        busy = ((st or {}).get("occupancy") or {}).get("senderConcurrency", {}).get("average", float("nan"))
        large = f"{r['largeLatencyP99Milliseconds']:,.0f}" if r.get("largeEvery") else "-"
        print(f"{run} | {start} | {load} | {r['messagesPerSecond']} | {r['latencyP50Milliseconds']:,.0f} / "
              f"{r['latencyP99Milliseconds']:,.0f} | {large} | {r.get('deliveryAttemptsInProcess')} | {sq:,.0f} ({sqn}) | "
              f"{stage(st, 'handOver')[0]:,.0f} | {stage(st, 'delivery')[0]:,.0f} | {after_answer(st)} | {stage(st, 'signerQueue')[0]:,.0f} | "
              f"{stage(st, 'publish')[0]:,.0f} | {busy} | {cpu(r)} | {asked(r)} | {postgres_writes(out / f'{run}.pg', r)}")
    window_table(out)
    gc_table(out)
    rounds = out / "openssl.txt"
    if rounds.exists():
        print(rounds.read_text().rstrip())
    alone = [v for label, values in pooled.items() if kinds[label] == "alone" for v in values]
    base = p99(alone)
    for label, values in pooled.items():
        ratio = "" if kinds[label] == "alone" or not alone else f", ratio to alone {p99(values) / base:.2f}"
        print(f"pooled {label}: small p99 {p99(values):,.1f} ms over {len(values)} mails{ratio}")


if __name__ == "__main__":
    main(sys.argv[1])
