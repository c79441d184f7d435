#!/usr/bin/env python3
"""The capacity model of issue 17, target 4: the largest rate the pinned pipeline (RabbitMQ on core 1, smime's producer,
signer and sender on core 0) can carry, predicted from paced runs of the same pinned set-up and checked against its
flat-out run. Used by scripts/bench.sh; on its own it reads saved `smime bench pipeline --json` reports:

    python3 scripts/capacity_model.py FLAT_OUT.json PACED.json [PACED.json ...] [--idle IDLE.json]
    python3 scripts/capacity_model.py --measure-idle BROKER_PID SECONDS    # the idle broker's load, as JSON (IDLE.json)

Every term comes from the paced runs (all roles together, each paced at a rate below the maximum) that kept their pace
(pace(), KEEP_PACE: a run whose queue grew is left out and the reason printed; session 16), none from the flat-out run
it is checked against:

- CPU. Each core's load (the pipeline's process CPU and the core's interrupts) grows linearly with the rate:
  u(r) = background + r x cost; a core carries at most (1 - background) / cost mails/s. The background is CPU that
  does not scale with mails (timers, the runtime, the broker's own ticks): the roles-alone measurement spreads it over
  the mails of a short phase and so cannot see it. Since session 14 both terms are constrained to be >= 0, and the
  broker's background is measured, not fitted, when bench.sh gives it (`--idle`: the pinned broker's CPU and core 1's
  interrupts with no mails flowing, `--measure-idle`): its line then goes through that point and only its cost is
  fitted to the paced runs. Three paced points alone fitted session 13's broker a negative cost (-0.04 ms per mail);
  anchored at rate 0 the cost's lever arm is sqrt(sum r^2) instead of sqrt(sum (r - mean)^2), 1.9x longer for points
  at 25/50/75 % of the flat-out rate (docs/performance-log.md "Issue 17, session 14: target 3 and 4 figures that hold").
- Windows (Little's law). A window of W places, each held R ms per mail, passes at most W x 1000 / R mails/s. R is
  split as every mail's spans split it: the waits for the broker's publisher confirms (C) and the rest (E, work on
  smime's core and the run-queue in front of it). Queueing stretches both as the cores fill: E(r) = e / (1 - u0(r)),
  C(r) = a / (1 - u1(r)) + b / (1 - u0(r)) (the broker's work on its core, and the client's share of a confirm on
  smime's core), with e, a, b >= 0 fitted to the paced points.
- The model's rate is the largest rate every bound allows (bisection); each bound is reported at that rate.
"""
import json
import sys

WINDOWS = (
    # name, occupancy key (mails inside and the limit), the stages that are confirm waits (their means, ms)
    ("signer", "signerInFlight", ("handOver", "signerAfterHandOver")),
    ("sender", "senderConcurrency", ("senderAfterAnswer",)),
)

# The closed-loop producer's backlog (`bench pipeline --backlog N`): N mails between publish and file, each held for the
# whole path (the `total` stage); of it, the confirm waits on the path are the producer's publish and the signer's
# hand-over. A window like the others, whose limit only the flat-out run has (paced runs are open loop).
BACKLOG = ("backlog", ("publish", "handOver"))

# Capacity planning: the utilisation a core is planned at, and the rates the README's table asks for.
PLANNED_UTILISATION = 0.7
PLANNED_RATES = (100, 1000, 10000)


# Whether a paced run kept its pace (session 16). Every term of the model reads a paced run as a steady state: Little's
# law turns mails inside into a residence only when as many mails leave as arrive, and the CPU per mail of a run whose
# queue grows is that of a pipeline working through a backlog (session 15's quiet run: 3.67 ms per mail in smime at 75 %
# of the flat-out rate, against 2.35 ms flat out). `bench pipeline` reports no time series (its latencies are sorted),
# so the rule reads the two things a growing queue leaves in its report, and a run that shows either is left out of
# the model (both cores' lines and every window), printed with (!) and the reason:
# - it delivered below KEEP_PACE of the rate asked. A run that keeps pace ends one residence after its last publish
#   (tens of ms of a 15 s run: the quiet runs of sessions 14 and 15 delivered 0.996-1.001 of the pace asked, the
#   paced target-2 runs alone 0.996-1.001); 0.98 means 300 ms of mails still queued at the end of a 15 s run;
# - mails waited in the broker's queues in front of the signer and the sender (rate x the mean of signerQueue +
#   senderQueue, Little's law) at least as many as the signer's window has places: a mail that arrives below
#   saturation finds a free place almost always (the kept runs: at most 0.7 mails waiting of 16 places); a queue as
#   long as the window it feeds is the window falling behind. Session 15's run at 75 %: 217.7 of 226.7 msg/s (0.96),
#   98 mails waiting (452 ms per mail in the signer's queue): a flat-out point in disguise.
KEEP_PACE = 0.98


def line_fit(xs, ys):
    """Least-squares y = a + b x; returns (a, b, largest absolute residual)."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx if sxx > 0 else 0.0
    a = my - b * mx
    return a, b, max(abs(y - (a + b * x)) for x, y in zip(xs, ys))


def load_line(rates, loads, idle=None):
    """A core's load line u = background + rate x cost with both terms >= 0: through (0, idle) when the idle load was
    measured (only the cost fitted), else non-negative least squares over the points. Returns (background, cost per mail
    in s, largest absolute residual, how it was fitted)."""
    if idle is not None:
        background = max(idle, 0.0)
        (cost,) = nonnegative_fit([rates], [u - background for u in loads])
        how = "through the idle load measured"
    else:
        background, cost = nonnegative_fit([[1.0] * len(rates), rates], loads)
        how = "least squares, both terms >= 0"
    return background, cost, max(abs(u - (background + cost * r)) for r, u in zip(rates, loads)), how


def nonnegative_fit(columns, ys):
    """Least squares y = sum(k_i x_i) with every k_i >= 0, for one or two columns (tries the unconstrained solution,
    then each column alone)."""
    def sse(ks):
        return sum((y - sum(k * c[j] for k, c in zip(ks, columns))) ** 2 for j, y in enumerate(ys))

    def single(c):
        den = sum(x * x for x in c)
        return max(sum(x * y for x, y in zip(c, ys)) / den, 0.0) if den > 0 else 0.0

    candidates = []
    if len(columns) == 2:
        p, q = columns
        spp, sqq, spq = sum(x * x for x in p), sum(x * x for x in q), sum(x * y for x, y in zip(p, q))
        spy, sqy = sum(x * y for x, y in zip(p, ys)), sum(x * y for x, y in zip(q, ys))
        det = spp * sqq - spq * spq
        if abs(det) > 1e-12:
            ks = ((spy * sqq - sqy * spq) / det, (sqy * spp - spy * spq) / det)
            if min(ks) >= 0:
                candidates.append(ks)
        candidates += [(single(p), 0.0), (0.0, single(q))]
    else:
        candidates.append((single(columns[0]),))
    return min(candidates, key=sse)


def pace(run):
    """Whether a paced run kept its pace (see KEEP_PACE): {"kept", "delivered" (delivered / asked rate), "waiting" (mails
    in the broker's queues in front of the signer and the sender, on average), "places" (the signer window's), "why"
    (empty when kept)}. A run without a publish rate (flat out) or without stages is judged on what it has."""
    asked, rate = run.get("publishRate") or 0.0, run["messagesPerSecond"]
    stages = run.get("stages") or {}
    queued_ms = sum((stages.get(k) or {}).get("meanMilliseconds", 0.0) for k in ("signerQueue", "senderQueue"))
    waiting = max(rate * queued_ms / 1000, 0.0)
    places = ((stages.get("occupancy") or {}).get("signerInFlight") or {}).get("limit")
    delivered = rate / asked if asked > 0 else None
    why = []
    if delivered is not None and delivered < KEEP_PACE:
        why.append(f"delivered {rate:.1f} of {asked:.1f} msg/s asked ({delivered:.1%} < {KEEP_PACE:.0%})")
    if places and waiting >= places:
        why.append(f"{waiting:.0f} mails waited in the queues in front of the signer and the sender on average "
                   f"({queued_ms:.0f} ms per mail), as many as the signer's window has places ({places}) or more")
    return {"kept": not why, "delivered": delivered, "waiting": waiting, "places": places, "why": "; ".join(why)}


def point(run):
    """The figures of one pinned run the model uses, or None when it lacks them (no stages, no per-core figures).

    u0 and u1 are the load the pipeline put on its two cores: smime's process CPU + core 0's interrupt share (the
    kernel's network work, charged to no process), and the broker's process CPU + core 1's. What else kept a core busy
    ("other": other processes on a shared machine) is reported, not modelled: it does not follow the mail rate (it
    fills whatever the pipeline leaves idle), so it cannot be extrapolated; on a quiet machine it is ≈ 0."""
    cores, stages = run.get("coreUtilisation"), run.get("stages")
    rate = run["messagesPerSecond"]
    if not cores or len(cores) < 2 or not stages or not stages.get("occupancy") or rate <= 0:
        return None
    interrupts = run.get("coreInterruptShare") or [0.0, 0.0]
    smime = rate * run["processCpuMillisecondsPerMail"] / 1000
    broker = rate * (run.get("brokerCpuMillisecondsPerMail") or 0.0) / 1000
    u0 = min(smime + interrupts[0], 1.0)
    u1 = min(broker + interrupts[1], 1.0) if run.get("brokerCpuMillisecondsPerMail") is not None else cores[1]
    p = {"rate": rate, "busy0": cores[0], "busy1": cores[1], "u0": u0, "u1": u1,
         "other0": max(cores[0] - u0, 0.0), "other1": max(cores[1] - u1, 0.0),
         "kept": pace(run)["kept"],
         "publish": stages["publish"]["meanMilliseconds"], "windows": {}}
    for name, occupancy, confirms in WINDOWS:
        o = stages["occupancy"].get(occupancy)
        if not o:
            continue
        residence = o["average"] / rate * 1000  # Little's law: mails inside / mails per second
        confirm = sum(stages[k]["meanMilliseconds"] for k in confirms if stages.get(k))
        p["windows"][name] = {"limit": o["limit"], "inside": o["average"], "residence": residence,
                              "confirm": min(confirm, residence), "rest": max(residence - confirm, 0.0)}
    name, confirms = BACKLOG
    if stages.get("total"):
        residence = stages["total"]["meanMilliseconds"]
        confirm = sum(stages[k]["meanMilliseconds"] for k in confirms if stages.get(k))
        p["windows"][name] = {"limit": run.get("backlog") or 0, "inside": rate * residence / 1000, "residence": residence,
                              "confirm": min(confirm, residence), "rest": max(residence - confirm, 0.0)}
    p["jit"] = run.get("jitMethodsCompiled")
    return p


def model(paced_runs, idle=None):
    """The model from the paced runs that kept their pace; None when fewer than two such points or their rates do not
    differ. idle: measured loads with no mails flowing, {"u1": broker CPU + core 1's interrupts} (--measure-idle)."""
    points = [p for p in (point(r) for r in paced_runs) if p and p["kept"]]
    if len(points) < 2 or max(p["rate"] for p in points) - min(p["rate"] for p in points) < 1:
        return None
    rates = [p["rate"] for p in points]
    m = {"points": points, "cores": {}, "windows": {}}
    for core in ("u0", "u1"):
        loads = [p[core] for p in points]
        background, cost, residual, how = load_line(rates, loads, (idle or {}).get(core))
        unconstrained = line_fit(rates, loads)
        m["cores"][core] = {"background": background, "costMs": cost * 1000, "residual": residual, "fit": how,
                            "unconstrained": (unconstrained[0], unconstrained[1] * 1000),
                            "bound": (1 - background) / cost if cost > 0 else float("inf")}
    for name in [w[0] for w in WINDOWS] + [BACKLOG[0]]:
        seen = [p for p in points if name in p["windows"]]
        if len(seen) < 2:
            continue
        stretch0 = [1 / max(1 - p["u0"], 0.02) for p in seen]
        stretch1 = [1 / max(1 - p["u1"], 0.02) for p in seen]
        (e,) = nonnegative_fit([stretch0], [p["windows"][name]["rest"] for p in seen])
        a, b = nonnegative_fit([stretch1, stretch0], [p["windows"][name]["confirm"] for p in seen])
        m["windows"][name] = {"limit": seen[0]["windows"][name]["limit"], "e": e, "a": a, "b": b}
    return m


def utilisation(m, core, rate):
    c = m["cores"][core]
    return c["background"] + rate * c["costMs"] / 1000


def residence(m, name, rate):
    """A window's predicted mean residence (ms) at `rate`: infinite once a core is full."""
    u0, u1 = utilisation(m, "u0", rate), utilisation(m, "u1", rate)
    if u0 >= 1 or u1 >= 1:
        return float("inf")
    w = m["windows"][name]
    return w["e"] / (1 - u0) + w["a"] / (1 - u1) + w["b"] / (1 - u0)


def window_bound(limit, residence_ms):
    """Little's law: a window of `limit` places, each held `residence_ms` per mail, passes at most this many mails/s
    (no bound when the fitted residence is 0: paced points whose windows never held a mail for a measurable time)."""
    return limit * 1000 / residence_ms if residence_ms > 0 else float("inf")


def limits(m, backlog):
    """Each window's places: the measured limits, the backlog's from the flat-out run (none for an open-loop one)."""
    return {name: (backlog if name == BACKLOG[0] else w["limit"]) for name, w in m["windows"].items()
            if name != BACKLOG[0] or backlog}


def predict(m, backlog=0):
    """The largest rate every bound allows, and each bound (name, mails/s) at that rate, smallest first. With a
    closed-loop producer (backlog N) the whole path is one more window of N places."""
    places = limits(m, backlog)
    hi = min(c["bound"] for c in m["cores"].values())
    lo = 0.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if all(window_bound(limit, residence(m, name, mid)) >= mid for name, limit in places.items()):
            lo = mid
        else:
            hi = mid
    bounds = [("smime's core 0 (CPU)", m["cores"]["u0"]["bound"]), ("the broker's core 1 (CPU)", m["cores"]["u1"]["bound"])]
    for name, limit in places.items():
        r = residence(m, name, lo)
        what = "the producer's backlog" if name == BACKLOG[0] else f"the {name}'s window"
        bounds.append((f"{what} ({limit} places, {r:.0f} ms per mail at that rate)", window_bound(limit, r)))
    return lo, sorted(bounds, key=lambda b: b[1])


def on_curve(m, p, out, indent):
    """The flat-out run against the paced runs' curve at the rate it reached: each core's load and each window's
    residence as the model extrapolates them, and as measured. Where the measured waits lie far above the curve while
    no core is full, the flat-out point is not a steady state the paced runs describe."""
    rate = p["rate"]
    cells = []
    for core in ("u0", "u1"):
        cells.append(f"{core} {utilisation(m, core, rate):.0%} predicted / {p[core]:.0%} measured")
    for name in m["windows"]:
        w = p["windows"].get(name)
        if not w:
            continue
        r = residence(m, name, rate)
        cells.append(f"{name} residence {r:.1f} / {w['residence']:.1f} ms ({w['residence'] / r:.1f}x)" if r < float("inf") else
                     f"{name} residence inf / {w['residence']:.1f} ms")
    print(f"{indent}the flat-out run on the paced curve, at its own {rate:.0f} msg/s: " + "; ".join(cells), file=out)


def cross_check(paced_runs, out, indent, idle=None):
    """Fits the model on the paced runs without the fastest one and predicts that one's loads and residences: whether
    the model extrapolates upwards, checked on a point it was not fitted to (needs three kept paced runs)."""
    kept = sorted([r for r in paced_runs if point(r) and point(r)["kept"]], key=lambda r: r["messagesPerSecond"])
    if len(kept) < 3:
        print(f"{indent}cross-check: fewer than three paced runs kept their pace; not computed", file=out)
        return None
    m = model(kept[:-1], idle)
    target = point(kept[-1])
    if not m:
        return None
    rate = target["rate"]
    cells, ratios = [], []
    for core in ("u0", "u1"):
        predicted = utilisation(m, core, rate)
        cells.append(f"{core} {predicted:.0%} / {target[core]:.0%}")
    for name in m["windows"]:
        w = target["windows"].get(name)
        r = residence(m, name, rate)
        if w and r < float("inf") and r > 0:
            cells.append(f"{name} {r:.1f} / {w['residence']:.1f} ms")
            ratios.append(w["residence"] / r)
    print(f"{indent}cross-check: fitted on the paced runs at " + ", ".join(f"{r['messagesPerSecond']:.0f}" for r in kept[:-1]) +
          f" msg/s, predicting the one at {rate:.0f} (predicted / measured): " + "; ".join(cells), file=out)
    return ratios


def chart_cores(values_path):
    """Each role's CPU request (cores the pod is scheduled for) and the processor count the chart gives its .NET runtime
    (processorCount, else the request rounded up), from the Helm chart's values.yaml; the chart's defaults when PyYAML or
    the file is missing."""
    import math
    defaults = {"signer": (1.0, 1), "sender": (0.25, 1)}
    try:
        import yaml
        with open(values_path) as f:
            roles = yaml.safe_load(f)["roles"]
    except (ImportError, OSError, KeyError, TypeError):
        return defaults, False
    result = {}
    for role in ("signer", "sender"):
        r = roles.get(role) or {}
        raw = str(((r.get("resources") or {}).get("requests") or {}).get("cpu", defaults[role][0]))
        request = float(raw[:-1]) / 1000 if raw.endswith("m") else float(raw)
        result[role] = (request, int(r.get("processorCount") or max(1, math.ceil(request))))
    return result, True


def sizing(m, flat_out, out, indent, values_path):
    """Pods and broker cores for PLANNED_RATES standard mails/s at PLANNED_UTILISATION, from this run's terms: the cost
    per mail on smime's core split over the roles as the roles phases split it (--roles), the background per process,
    the broker's cost per mail; each pod as the Helm chart sizes it (CPU request, DOTNET_PROCESSOR_COUNT)."""
    roles = flat_out.get("roles")
    if not roles:
        print(f"{indent}sizing: the flat-out run has no roles phases (--roles); not computed", file=out)
        return
    alone = {r: roles[r]["processCpuMillisecondsPerMail"] for r in ("producer", "signer", "sender")}
    together = m["cores"]["u0"]["costMs"]
    scale = together / sum(alone.values())
    cost = {r: alone[r] * scale for r in alone}
    background = max(m["cores"]["u0"]["background"], 0.0)
    broker_cost, broker_background = m["cores"]["u1"]["costMs"], max(m["cores"]["u1"]["background"], 0.0)
    pods, from_chart = chart_cores(values_path)
    u = PLANNED_UTILISATION
    print(f"{indent}sizing at {u:.0%} of each core (cost per mail on smime's core, all roles together, {together:.2f} ms = the roles' "
          f"{sum(alone.values()):.2f} ms alone x {scale:.2f}: producer {cost['producer']:.2f}, signer {cost['signer']:.2f}, sender "
          f"{cost['sender']:.2f} ms; background {background:.2f} core per process; broker {broker_cost:.2f} ms per mail + "
          f"{broker_background:.2f} core per node); pods as the chart sizes them{'' if from_chart else ' (chart defaults: PyYAML or values.yaml missing)'}: "
          + ", ".join(f"{r} {c:g} CPU requested, DOTNET_PROCESSOR_COUNT {n}" for r, (c, n) in pods.items()), file=out)
    signer_window = m["windows"].get("signer")
    for rate in PLANNED_RATES:
        cells = []
        for role in ("signer", "sender"):
            request, processors = pods[role]
            per_pod = (u * request - background) * 1000 / cost[role] if u * request > background else 0.0
            if per_pod <= 0:
                # The chart's request leaves nothing for mails once the process's background is paid: size by CPU
                # with the smallest request that carries its share, rounded up to whole cores as the chart would count them.
                request = float(int(background / u) + 1)
                per_pod = (u * request - background) * 1000 / cost[role]
                cells.append(f"{role}: the chart's {pods[role][0]:g} CPU is below the {background:.2f}-core background at {u:.0%}; at {request:g} CPU per pod")
                cells[-1] += f" {int(-(-rate // per_pod))} pods + 1 spare ({per_pod:.0f} mails/s each)"
                continue
            n = -(-rate // per_pod)
            cell = f"{role} pods {int(n)} + 1 spare ({per_pod:.0f} mails/s each)"
            if role == "signer" and signer_window:
                # The window a pod needs at its share of the rate, with the residence at the planned utilisation.
                held = signer_window["e"] / (1 - u) + signer_window["b"] / (1 - u) + signer_window["a"] / (1 - u)
                need = min(rate / n, per_pod) * held / 1000
                cell += f", window {need:.0f} of {16 * processors} (16 x {processors} cores" + (
                    "; raise roles.signer.inFlight)" if need > 16 * processors else ")")
            cells.append(cell)
        broker = (rate * broker_cost / 1000 + broker_background) / u
        cells.append(f"broker {broker:.1f} cores")
        print(f"{indent}  {rate:>6} mails/s: " + "; ".join(cells), file=out)


def report(flat_out, paced_runs, out=sys.stdout, indent="  ", values_path=None, idle=None):
    """Prints the measurements and the model; returns (predicted, measured) or None when the model cannot be built.
    idle: the loads measured with no mails flowing (measure_idle), the broker line's background when given."""
    m = model(paced_runs, idle)
    rows = [("flat out", point(flat_out))] + [(f"paced {r['publishRate']:.0f}", point(r)) for r in paced_runs]
    print(f"{indent}pinned runs, all roles together (core 0: smime; core 1: RabbitMQ); window residence by Little's law, "
          "of it confirm waits (means):", file=out)
    print(f"{indent}  {'run':<15} {'msg/s':>7} {'busy0':>6} {'u0':>6} {'other0':>7} {'busy1':>6} {'u1':>6} {'other1':>7} "
          f"{'publish':>8} {'signer W/R/C ms':>20} {'sender W/R/C ms':>20} {'path W/R/C ms':>20} {'jit':>6}", file=out)
    for label, p in rows:
        if not p:
            continue
        cells = []
        for name in [w[0] for w in WINDOWS] + [BACKLOG[0]]:
            w = p["windows"].get(name)
            cells.append(f"{w['inside']:.1f}/{w['residence']:.0f}/{w['confirm']:.0f}" if w else "-")
        label += "" if label == "flat out" or p["kept"] else " (!)"
        jit = "-" if p["jit"] is None else str(p["jit"])
        print(f"{indent}  {label:<15} {p['rate']:>7.1f} {p['busy0']:>6.0%} {p['u0']:>6.0%} {p['other0']:>7.0%} "
              f"{p['busy1']:>6.0%} {p['u1']:>6.0%} {p['other1']:>7.0%} {p['publish']:>8.1f} {cells[0]:>20} {cells[1]:>20} {cells[2]:>20} {jit:>6}", file=out)
    print(f"{indent}  (busy: the core's busy share; u0 / u1: the pipeline's load on it, smime's / the broker's process CPU + "
          "the core's interrupts; other: the rest, other processes; publish: publish -> confirm, ms; W/R/C: mails inside / residence / confirm "
          f"waits; path: publish -> file, its confirm waits the publish and the hand-over; jit: methods the JIT compiled during the run, "
          "near 0 once warm; (!): did not keep its pace, left out of the model, the reason below)", file=out)
    left_out = [(r, pace(r)) for r in paced_runs if point(r) and not pace(r)["kept"]]
    for r, verdict in left_out:
        print(f"{indent}left out of the model, paced {r['publishRate']:.0f} did not keep its pace: {verdict['why']} "
              "(its queue grew through the run: its residences measure the run's length, its CPU per mail a backlog being worked off)", file=out)
    kept_runs = [r for r in paced_runs if point(r) and pace(r)["kept"]]
    print(f"{indent}kept their pace (delivered >= {KEEP_PACE:.0%} of the rate asked, fewer mails waiting in the queues in front of "
          f"the signer and the sender than its window has places): {len(kept_runs)} of {len(paced_runs)} paced runs"
          + (", the model is fitted to them" if len(kept_runs) >= 2 else ""), file=out)
    flat = point(flat_out)
    backlog = flat_out.get("backlog") or 0
    print(f"{indent}flat out: " + (f"a closed-loop producer, at most {backlog} mails between publish and file (--backlog)" if backlog else
          f"an open-loop producer ({flat_out.get('producerInFlight') or '?'} publishes in flight, every mail published at once): its queue "
          "is not a steady state, and its waits are not the paced runs'"), file=out)
    if not m:
        print(f"{indent}capacity model: fewer than two paced pinned runs that kept their pace, with stages and per-core figures; not computed", file=out)
        return None
    if idle and idle.get("u1") is not None:
        print(f"{indent}idle (no mails flowing, {idle['seconds']:.0f} s): the broker {idle['brokerCpuShare']:.1%} of a core + core 1's "
              f"interrupts {idle['interruptShare1']:.1%} = {idle['u1']:.1%}", file=out)
    for core, label in (("u0", "core 0 (smime)"), ("u1", "core 1 (RabbitMQ)")):
        c = m["cores"][core]
        a, b = c["unconstrained"]
        print(f"{indent}{label}: load = {c['background']:.1%} + rate x {c['costMs']:.2f} ms ({c['fit']}; largest residual "
              f"{c['residual']:.1%}) -> full at {c['bound']:.0f} msg/s (unconstrained line: {a:.1%} + rate x {b:.2f} ms)", file=out)
    for name, w in m["windows"].items():
        what = "the whole path (publish -> file)" if name == BACKLOG[0] else f"{name}'s window"
        print(f"{indent}{what}: residence = {w['e']:.1f} ms / (1 - u0) on smime's core + confirms "
              f"{w['a']:.1f} ms / (1 - u1) + {w['b']:.1f} ms / (1 - u0)", file=out)
    cross_check(paced_runs, out, indent, idle)
    if flat:
        on_curve(m, flat, out, indent)
    predicted, bounds = predict(m, backlog)
    if predicted <= 0:
        print(f"{indent}capacity model: no positive rate fits (a core's load does not grow with the rate); not computed", file=out)
        return None
    print(f"{indent}capacity model at {predicted:.0f} msg/s, every bound in msg/s: " +
          "; ".join(f"{name} {rate:.0f}" for name, rate in bounds), file=out)
    measured = flat_out["messagesPerSecond"]
    print(f"{indent}-> {predicted:.0f} msg/s, bound by {bounds[0][0]}; measured flat out {measured:.0f} msg/s = "
          f"{measured / predicted:.2f}x the model", file=out)
    if values_path:
        sizing(m, flat_out, out, indent, values_path)
    others = max([p["other0"] for p in m["points"]] + ([flat["other0"]] if flat else []))
    if others > 0.10:
        print(f"{indent}note: other processes held up to {others:.0%} of core 0 (other0 above): the model is for cores that are the "
              "pipeline's alone; here their work inflated the CPU per mail and the run-queue waits it measured, so judge it on a quiet run", file=out)
    return predicted, measured


def measure_idle(broker_pid, seconds, core=1):
    """The pinned broker's load with no mails flowing: its process CPU (utime + stime, /proc/PID/stat) and the interrupt
    share of its core (irq + softirq, /proc/stat) over `seconds`, as the paced runs' u1 counts them."""
    import os
    import time
    tick = os.sysconf("SC_CLK_TCK")

    def broker_ticks():
        with open(f"/proc/{broker_pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime, stime: fields 14 and 15 of stat(5)

    def core_ticks():
        with open("/proc/stat") as f:
            for line in f:
                if line.startswith(f"cpu{core} "):
                    v = [int(x) for x in line.split()[1:]]
                    return sum(v[:8]), v[5] + v[6]  # all (up to steal), irq + softirq
        raise ValueError(f"no cpu{core} in /proc/stat")

    b0, (t0, i0), start = broker_ticks(), core_ticks(), time.monotonic()
    time.sleep(seconds)
    b1, (t1, i1), elapsed = broker_ticks(), core_ticks(), time.monotonic() - start
    broker = (b1 - b0) / tick / elapsed
    interrupts = (i1 - i0) / max(t1 - t0, 1)
    return {"seconds": round(elapsed, 2), "brokerCpuShare": round(broker, 4), "interruptShare1": round(interrupts, 4),
            "u1": round(broker + interrupts, 4)}


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--measure-idle":
        # bench.sh: python3 capacity_model.py --measure-idle BROKER_PID SECONDS > pinned-idle-N.json
        print(json.dumps(measure_idle(int(sys.argv[2]), float(sys.argv[3]))))
        sys.exit(0)
    args = sys.argv[1:]
    idle = None
    if "--idle" in args:
        at = args.index("--idle")
        idle = json.load(open(args[at + 1]))
        del args[at:at + 2]
    if len(args) < 2:
        sys.exit(__doc__)
    loaded = [json.load(open(path)) for path in args]
    import os
    report(loaded[0], loaded[1:], values_path=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "helm", "smime-pipeline", "values.yaml"),
           idle=idle)
