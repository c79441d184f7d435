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
[[ "${1:-}" == -h || "${1:-}" == --help ]] && usage 0
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
# Before a broker is started for nothing.
[[ -n "$BREAKDOWN" && -n "$MASSTRANSIT" ]] && { echo "bench-guarantees-ab.sh: --breakdown and --masstransit are two different runs" >&2; exit 1; }
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
# The broker's message stats come through curl, which a stock Debian 12 lacks: without it broker_stats wrote nothing and the
# summary went without its per-mail broker figures, silently (session 22).
if [[ -n "${RABBITMQ_MANAGEMENT:-}" ]] && ! command -v curl >/dev/null; then
  echo "bench-guarantees-ab.sh: curl is required for the broker's message stats (apt-get install curl)" >&2; exit 1
fi

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

# The summary, and target 1's split in it, are scripts/guarantees_ab_summary.py's (its arithmetic scripts/target1_split.py's,
# the same bench_summary.py rules with); it can be run again on a kept OUT.
python3 "$REPO_ROOT/scripts/guarantees_ab_summary.py" "$OUT" "$ROUNDS" "${VARIANTS[*]}" "$MESSAGES" "$WARMUP" | tee "$OUT/summary.txt"
