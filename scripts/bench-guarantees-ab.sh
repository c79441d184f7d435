#!/usr/bin/env bash
# Target 1 against what the guarantees alone cost (issue 17, session 15), in rotated rounds on one broker:
#
#   scripts/bench-guarantees-ab.sh OUT [--rounds N] [--messages N] [--warmup N] [--breakdown | --masstransit [--with-pipeline]] [--smime DLL]
#
# Each round: the load average, `openssl speed -seconds 3 rsa2048` and `smime bench protect --message standard` (its
# crypto floor, taken by the thread's CPU time: a crowded machine inflates the wall-clock one) on core 0, then flat out with the same mail count and warm-up, in an order that alternates by round
# (A B, B A, A B …): A = `smime bench pipeline` (the product: target 1's run), B = `smime bench guarantees` (the guarantees
# alone: RabbitMQ.Client, quorum queue, publisher confirms, manual acks, ledger, fsync'd pickup file, two confirmed events,
# one trace per mail; no MassTransit, no MIME, no cryptography). Prints per round each run's whole-machine CPU per mail
# split into its process, RabbitMQ and the rest, the floor, target 1's ratio and the guarantees ceiling
# ((guarantees CPU per mail + floor) / floor).
# --breakdown runs instead, after the same per-round probes, the guarantees-only pipeline with single guarantees switched
# off (all kept; no fsync; no events; no ledger; classic queue), order rotated by one each round: INFORMATION ONLY, what
# each guarantee costs, never a claim that the product may drop one.
# --masstransit (session 19) runs instead, after the same probes, A = `smime bench guarantees` (raw: RabbitMQ.Client) and
# B = `smime bench guarantees --via masstransit` (the same guarantees carried by the product's own MassTransit bus), order
# alternating by round, and prints per round each one's CPU per mail three ways, MassTransit / raw, voluntary switches and
# allocations per mail, the broker's messages per mail (its management API's message_stats over the run, warm-up included,
# divided by all the run's mails; needs RABBITMQ_MANAGEMENT=URI or the private broker) and the MassTransit ceiling
# ((MassTransit guarantees CPU per mail + floor) / floor). With --with-pipeline the product (`smime bench pipeline`) runs
# as a third variant, the three rotated by one each round, and target 1 is split per round into floor + guarantees +
# MassTransit + ours beyond MassTransit (process + RabbitMQ, and whole machine).
# Without RABBITMQ=URI BROKER_PID=PID in the environment it starts a private RabbitMQ (scripts/private-broker.sh) and
# stops it on exit. Reports and the summary (summary.txt) go to OUT. Defaults: 3 rounds, 4000 mails after 1500, as bench.sh.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit "${1:-0}"; }
[[ $# -ge 1 && "$1" != -* ]] || usage 1
OUT="$1"; shift
ROUNDS=3
MESSAGES=4000
WARMUP=1500
BREAKDOWN=""
MASSTRANSIT=""
WITH_PIPELINE=""
SMIME_DLL="$REPO_ROOT/src/SmimePipeline.Cli/bin/Release/net10.0/smime.dll"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rounds) ROUNDS="$2"; shift 2 ;;
    --messages) MESSAGES="$2"; shift 2 ;;
    --warmup) WARMUP="$2"; shift 2 ;;
    --breakdown) BREAKDOWN=1; shift ;;
    --masstransit) MASSTRANSIT=1; shift ;;
    --with-pipeline) WITH_PIPELINE=1; shift ;;
    --smime) SMIME_DLL="$2"; shift 2 ;;
    -h|--help) usage 0 ;;
    *) echo "bench-guarantees-ab.sh: unknown argument $1" >&2; usage 1 ;;
  esac
done
[[ -f "$SMIME_DLL" ]] || { echo "bench-guarantees-ab.sh: $SMIME_DLL not built (dotnet build src/SmimePipeline.Cli -c Release)" >&2; exit 1; }
mkdir -p "$OUT"

SERVICES_PID=""
# shellcheck source=scripts/private-broker.sh
source "$REPO_ROOT/scripts/private-broker.sh"
trap stop_private_broker EXIT
if [[ -z "${RABBITMQ:-}" || -z "${BROKER_PID:-}" ]]; then
  start_private_broker "$OUT" bench-guarantees-ab
  RABBITMQ_MANAGEMENT="${RABBITMQ_MANAGEMENT:-$SMIME_TEST_RABBITMQ_MANAGEMENT_URI}"
fi
[[ -n "$BREAKDOWN" && -n "$MASSTRANSIT" ]] && { echo "bench-guarantees-ab.sh: --breakdown and --masstransit are two different runs" >&2; exit 1; }

if [[ -n "$BREAKDOWN" ]]; then
  VARIANTS=(all no-fsync no-events no-ledger classic)
elif [[ -n "$MASSTRANSIT" && -n "$WITH_PIPELINE" ]]; then
  VARIANTS=(guarantees masstransit pipeline)
elif [[ -n "$MASSTRANSIT" ]]; then
  VARIANTS=(guarantees masstransit)
else
  VARIANTS=(pipeline guarantees)
fi

run_variant() {
  local variant="$1" round="$2" name="$1-$2"
  local args=()
  case "$variant" in
    pipeline) echo "[ab] $name: smime bench pipeline (load $(cut -d' ' -f1 /proc/loadavg))" >&2
              broker_stats "$OUT/$name.broker-before.json"
              dotnet "$SMIME_DLL" bench pipeline --rabbitmq "$RABBITMQ" --message standard --messages "$MESSAGES" --warmup "$WARMUP" \
                --broker-pid "$BROKER_PID" --json > "$OUT/$name.json"
              broker_stats "$OUT/$name.broker-after.json"
              return ;;
    guarantees|all) ;;
    no-fsync) args=(--no-fsync) ;;
    no-events) args=(--no-events) ;;
    no-ledger) args=(--no-ledger) ;;
    classic) args=(--classic-queue) ;;
    masstransit) args=(--via masstransit) ;;
  esac
  echo "[ab] $name: smime bench guarantees ${args[*]} (load $(cut -d' ' -f1 /proc/loadavg))" >&2
  broker_stats "$OUT/$name.broker-before.json"
  dotnet "$SMIME_DLL" bench guarantees --rabbitmq "$RABBITMQ" --message standard --messages "$MESSAGES" --warmup "$WARMUP" \
    --broker-pid "$BROKER_PID" "${args[@]}" --json > "$OUT/$name.json"
  broker_stats "$OUT/$name.broker-after.json"
}

# broker_stats FILE: the broker's message_stats (management API /api/overview) once its statistics caught up with the last
# run (emitted every second on the private node: waits 3 s); nothing without RABBITMQ_MANAGEMENT.
broker_stats() {
  [[ -n "${RABBITMQ_MANAGEMENT:-}" ]] || return 0
  sleep 3
  curl -sf -u guest:guest "${RABBITMQ_MANAGEMENT%/}/api/overview?columns=message_stats" > "$1" || rm -f "$1"
}

for round in $(seq 1 "$ROUNDS"); do
  cut -d' ' -f1-3 /proc/loadavg > "$OUT/load-$round.txt"
  echo "[ab] round $round/$ROUNDS: load $(cat "$OUT/load-$round.txt"); openssl speed -seconds 3 rsa2048 on cpu 0" >&2
  taskset -c 0 openssl speed -seconds 3 rsa2048 2>/dev/null | awk '/^rsa 2048 bits/ {print $6}' > "$OUT/openssl-$round.txt"
  echo "[ab] round $round: smime bench protect --message standard (the crypto floor), cpu 0" >&2
  taskset -c 0 dotnet "$SMIME_DLL" bench protect --message standard --key rsa2048 --seconds 3 --warmup 3 --json > "$OUT/protect-$round.json"
  n=${#VARIANTS[@]}
  if [[ -n "$BREAKDOWN" || -n "$WITH_PIPELINE" ]]; then
    # Rotated by one each round.
    order=()
    for i in $(seq 0 $((n - 1))); do order+=("${VARIANTS[$(( (i + round - 1) % n ))]}"); done
  elif (( round % 2 )); then
    order=("${VARIANTS[0]}" "${VARIANTS[1]}")
  else
    order=("${VARIANTS[1]}" "${VARIANTS[0]}")
  fi
  echo "${order[*]}" > "$OUT/order-$round.txt"
  for variant in "${order[@]}"; do
    run_variant "$variant" "$round"
  done
done

python3 - "$OUT" "$ROUNDS" "${VARIANTS[*]}" "$MESSAGES" "$WARMUP" <<'PY' | tee "$OUT/summary.txt"
import json, sys
out, rounds, variants = sys.argv[1], int(sys.argv[2]), sys.argv[3].split()
mails = int(sys.argv[4]) + int(sys.argv[5])

def load(name):
    try:
        with open(f"{out}/{name}") as f:
            return json.load(f) if name.endswith(".json") else f.read().strip()
    except FileNotFoundError:
        return None

def split(run):
    m, p, b = run["machineCpuMillisecondsPerMail"], run["processCpuMillisecondsPerMail"], run.get("brokerCpuMillisecondsPerMail") or 0.0
    return m, p, b, m - p - b

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
            figure = f"guarantees ceiling = ({m:.3f} + {floor:.3f}) / {floor:.3f} = {(m + floor) / floor:.2f}x"
        print(f"  {v:<11} {run['messagesPerSecond']:>7.1f} msg/s {delivered:>10}  {m:6.3f} = {p:.3f} + {b:.3f} + {rest:.3f}  {figure}")
    pipeline, guarantees = runs.get("pipeline"), runs.get("guarantees")
    if pipeline and guarantees and pipeline.get("machineCpuMillisecondsPerMail") and guarantees.get("machineCpuMillisecondsPerMail"):
        pm, pp, pb, _ = split(pipeline)
        gm, gp, gb, _ = split(guarantees)
        print(f"  product / guarantees only: machine {pm / gm:.2f}x, process {pp / gp:.2f}x, RabbitMQ {pb / gb:.2f}x; "
              f"of target 1's {pm / floor:.2f}x: floor 1.00, guarantees {gm / floor:.2f}, the rest ours {(pm - gm - floor) / floor:.2f}")
        # The machine's rest is mostly the neighbours on a shared machine: the same figures from process + RabbitMQ only.
        print(f"  process + RabbitMQ only: product {pp + pb:.3f} ms = {(pp + pb) / floor:.2f}x the floor, guarantees {gp + gb:.3f} ms, "
              f"ceiling ({gp + gb:.3f} + {floor:.3f}) / {floor:.3f} = {(gp + gb + floor) / floor:.2f}x; ours beyond the guarantees and the floor {(pp + pb - gp - gb - floor) / floor:.2f}x")
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
        print(f"  MassTransit ceiling = ({mm:.3f} + {floor:.3f}) / {floor:.3f} = {(mm + floor) / floor:.2f}x (raw {(rm_ + floor) / floor:.2f}x); "
              f"process + RabbitMQ only: ({mp + mb:.3f} + {floor:.3f}) / {floor:.3f} = {(mp + mb + floor) / floor:.2f}x (raw {(rp + rb + floor) / floor:.2f}x)")
    product = runs.get("pipeline")
    if "masstransit" in variants and product and raw and mt and all(x.get("machineCpuMillisecondsPerMail") for x in (product, raw, mt)):
        pm, pp, pb, _ = split(product)
        rm_, rp, rb, _ = split(raw)
        mm, mp, mb, _ = split(mt)
        print(f"  of target 1's process + RabbitMQ {(pp + pb) / floor:.2f}x: floor 1.00 + guarantees {(rp + rb) / floor:.2f} + MassTransit {(mp + mb - rp - rb) / floor:.2f} "
              f"+ ours beyond MassTransit {(pp + pb - mp - mb - floor) / floor:.2f}; whole machine {pm / floor:.2f}x = 1.00 + {rm_ / floor:.2f} + {(mm - rm_) / floor:.2f} + {(pm - mm - floor) / floor:.2f}")
        print(f"  load-stable, product: voluntary switches per mail {product.get('voluntarySwitchesPerMail')}, allocated per mail {product.get('allocatedBytesPerMail')} B")
    if "all" in variants and runs.get("all"):
        am = split(runs["all"])
        costs = ", ".join(f"{v} {am[0] - split(runs[v])[0]:+.3f} ms (process + RabbitMQ {am[1] + am[2] - split(runs[v])[1] - split(runs[v])[2]:+.3f})"
                          for v in variants if v != "all" and runs.get(v))
        print(f"  breakdown (information only): all kept {am[0]:.3f} ms (process + RabbitMQ {am[1] + am[2]:.3f}); saved by switching one off (negative: it measured more): {costs}")
PY
