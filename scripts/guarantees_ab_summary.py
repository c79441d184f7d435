#!/usr/bin/env python3
"""The summary of scripts/bench-guarantees-ab.sh (issue 17, sessions 15 and 19), round by round, from the reports it kept
in OUT; the script runs it at its end (into OUT/summary.txt), and it can be run again on a kept OUT without running anything:

    python3 scripts/guarantees_ab_summary.py OUT ROUNDS "VARIANTS" MESSAGES WARMUP

VARIANTS is the script's list (e.g. "guarantees masstransit pipeline"); MESSAGES + WARMUP is the mail count the broker's
message_stats are divided by. Target 1's split is scripts/target1_split.py's, the same bench_summary.py rules with
(session 20: it was written out here a second time before).
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import target1_split as t1  # noqa: E402  scripts/target1_split.py: target 1's split, shared with bench_summary.py


def split(run):
    """A run's whole-machine CPU per mail and its parts: machine, process, RabbitMQ, rest (ms)."""
    m, p, b = run["machineCpuMillisecondsPerMail"], run["processCpuMillisecondsPerMail"], run.get("brokerCpuMillisecondsPerMail") or 0.0
    return m, p, b, m - p - b


def summarize(out, rounds, variants, mails):
    def load(name):
        try:
            with open(f"{out}/{name}") as f:
                return json.load(f) if name.endswith(".json") else f.read().strip()
        except FileNotFoundError:
            return None

    print("whole-machine CPU per standard mail, ms = process + RabbitMQ + rest; ratios to the round's crypto floor")
    for r in range(1, rounds + 1):
        protect = load(f"protect-{r}.json")["results"][0]
        # The floor by the protecting thread's CPU time (target 3's pairs): on a crowded machine the wall-clock floor counts the
        # time the thread waited for a core (session 15: 4.7 ms against 0.61 ms of CPU at a load of 24), and the pipelines'
        # figures are CPU time too. The wall-clock floor is printed beside.
        by_cpu = protect.get("ownWorkByCpuTime")
        floor = (by_cpu["floorMicroseconds"] if by_cpu else protect["cryptoFloor"]["microseconds"]) / 1000
        print(f"round {r}: load {load(f'load-{r}.txt')}, openssl {load(f'openssl-{r}.txt')} sign/s, floor {floor * 1000:.1f} us by thread CPU time "
              f"(wall clock {protect['cryptoFloor']['microseconds']:.1f}), order {load(f'order-{r}.txt')}")
        runs = {v: load(f"{v}-{r}.json") for v in variants}
        for v in variants:
            run = runs[v]
            if not run or not run.get("machineCpuMillisecondsPerMail"):
                print(f"  {v:<11} missing")
                continue
            m, p, b, rest = split(run)
            delivered = f"{run['delivered']}/{run['messages']}"
            if v == "pipeline":
                figure = f"target 1 = {m / floor:.2f}x"
            else:
                figure = f"guarantees ceiling = ({m:.3f} + {floor:.3f}) / {floor:.3f} = {t1.ceiling(m, floor):.2f}x"
            print(f"  {v:<11} {run['messagesPerSecond']:>7.1f} msg/s {delivered:>10}  {m:6.3f} = {p:.3f} + {b:.3f} + {rest:.3f}  {figure}")
        pipeline, guarantees = runs.get("pipeline"), runs.get("guarantees")
        if pipeline and guarantees and pipeline.get("machineCpuMillisecondsPerMail") and guarantees.get("machineCpuMillisecondsPerMail"):
            pm, pp, pb, _ = split(pipeline)
            gm, gp, gb, _ = split(guarantees)
            machine = t1.split(pm, gm, floor)
            print(f"  product / guarantees only: machine {pm / gm:.2f}x, process {pp / gp:.2f}x, RabbitMQ {pb / gb:.2f}x; "
                  f"of target 1's {machine['total']:.2f}x: floor 1.00, guarantees {machine['guarantees']:.2f}, the rest ours {machine['ours']:.2f}")
            # The machine's rest is mostly the neighbours on a shared machine: the same figures from process + RabbitMQ only.
            own = t1.split(pp + pb, gp + gb, floor)
            print(f"  process + RabbitMQ only: product {pp + pb:.3f} ms = {own['total']:.2f}x the floor, guarantees {gp + gb:.3f} ms, "
                  f"ceiling ({gp + gb:.3f} + {floor:.3f}) / {floor:.3f} = {own['guaranteesCeiling']:.2f}x; ours beyond the guarantees and the floor {own['ours']:.2f}x")
        raw, mt = runs.get("guarantees"), runs.get("masstransit")
        if "masstransit" in variants and raw and mt and raw.get("machineCpuMillisecondsPerMail") and mt.get("machineCpuMillisecondsPerMail"):
            rm_, rp, rb, rr = split(raw)
            mm, mp, mb, mr = split(mt)
            print(f"  masstransit / raw: process {mp / rp:.2f}x, RabbitMQ {mb / rb:.2f}x, process + RabbitMQ {(mp + mb) / (rp + rb):.2f}x, machine {mm / rm_:.2f}x; "
                  f"MassTransit's own per mail: process {mp - rp:+.3f} ms, RabbitMQ {mb - rb:+.3f} ms")
            print(f"  load-stable: voluntary switches per mail raw {raw.get('voluntarySwitchesPerMail')} masstransit {mt.get('voluntarySwitchesPerMail')}; "
                  f"allocated per mail raw {raw.get('allocatedBytesPerMail')} B masstransit {mt.get('allocatedBytesPerMail')} B")

            def broker(v):
                before, after = load(f"{v}-{r}.broker-before.json"), load(f"{v}-{r}.broker-after.json")
                if not before or not after:
                    return "n/a"
                b, a = before.get("message_stats") or {}, after.get("message_stats") or {}
                return ", ".join(f"{k} {(a.get(k, 0) - b.get(k, 0)) / mails:.2f}" for k in ("publish", "confirm", "deliver_get", "ack", "drop_unroutable"))
            print(f"  broker messages per mail (warm-up included): raw {broker('guarantees')}; masstransit {broker('masstransit')}"
                  + (f"; product {broker('pipeline')}" if "pipeline" in variants else ""))
            print(f"  MassTransit ceiling = ({mm:.3f} + {floor:.3f}) / {floor:.3f} = {t1.ceiling(mm, floor):.2f}x (raw {t1.ceiling(rm_, floor):.2f}x); "
                  f"process + RabbitMQ only: ({mp + mb:.3f} + {floor:.3f}) / {floor:.3f} = {t1.ceiling(mp + mb, floor):.2f}x (raw {t1.ceiling(rp + rb, floor):.2f}x)")
        product = runs.get("pipeline")
        if "masstransit" in variants and product and raw and mt and all(x.get("machineCpuMillisecondsPerMail") for x in (product, raw, mt)):
            pm, pp, pb, _ = split(product)
            rm_, rp, rb, _ = split(raw)
            mm, mp, mb, _ = split(mt)
            own = t1.split(pp + pb, rp + rb, floor, masstransit_ms=mp + mb)
            machine = t1.split(pm, rm_, floor, masstransit_ms=mm)
            print(f"  of target 1's process + RabbitMQ {own['total']:.2f}x: {t1.text(own)}; whole machine {machine['total']:.2f}x = 1.00 + "
                  f"{machine['guarantees']:.2f} + {machine['masstransit']:.2f} + {machine['oursBeyondMassTransit']:.2f}")
            print(f"  load-stable, product: voluntary switches per mail {product.get('voluntarySwitchesPerMail')}, allocated per mail {product.get('allocatedBytesPerMail')} B")
        if "all" in variants and runs.get("all"):
            am = split(runs["all"])
            costs = ", ".join(f"{v} {am[0] - split(runs[v])[0]:+.3f} ms (process + RabbitMQ {am[1] + am[2] - split(runs[v])[1] - split(runs[v])[2]:+.3f})"
                              for v in variants if v != "all" and runs.get(v))
            print(f"  breakdown (information only): all kept {am[0]:.3f} ms (process + RabbitMQ {am[1] + am[2]:.3f}); saved by switching one off (negative: it measured more): {costs}")


def main(argv):
    if len(argv) != 5:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    out, rounds, variants, messages, warmup = argv
    summarize(out, int(rounds), variants.split(), int(messages) + int(warmup))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
