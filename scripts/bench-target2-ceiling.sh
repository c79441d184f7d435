#!/usr/bin/env bash
# Target 2's ceiling under the guarantees alone (issue 17, session 20), without the rest of bench.sh: `smime bench
# guarantees` (RabbitMQ.Client, quorum queue, confirms, manual acks, ledger, fsync'd pickup file, two events; no crypto, no
# MIME, no MassTransit) at one pace, alone and with every 10th mail large, in rounds whose order alternates (odd rounds
# alone first), as bench.sh's target 2 and its ceiling run them; before each round the 1-minute load and `openssl speed
# -seconds 3 rsa2048` on core 0. The ceiling is pooled by target 2's own rule (scripts/bench_summary.py: target2_rule,
# target2_ceiling), printed at the end with each round's figures.
#
#   scripts/bench-target2-ceiling.sh OUT [--rate R] [--rounds N] [--messages N] [--warmup N] [--inline] [--smime DLL]
#
# --rate: mails per second (default 167.2, session 19's quiet target-2 pace); --rounds 3; --messages 1500 (bench.sh's
# paced runs); --warmup 500 (bench.sh's ceiling runs); --inline: large commands through the quorum queue instead of the
# producer claim check (PostgreSQL); --smime: a build's smime.dll (default this checkout's Release build). A private
# RabbitMQ and PostgreSQL (scripts/test.sh --services-only) on free loopback ports, stopped on exit; or, with RABBITMQ=URI
# BROKER_PID=PID SMIME_TEST_POSTGRES=CONNSTRING in the environment, those (a broker of the bench's own: it declares and
# deletes its smime-guarantees-quorum queue). OUT keeps every report.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${1:?usage: scripts/bench-target2-ceiling.sh OUT [--rate R] [--rounds N] [--messages N] [--warmup N] [--inline] [--smime DLL]}"
shift
RATE=167.2
ROUNDS=3
MESSAGES=1500
WARMUP=500
INLINE=""
SMIME_DLL="$REPO_ROOT/src/SmimePipeline.Cli/bin/Release/net10.0/smime.dll"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rate) RATE="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --messages) MESSAGES="$2"; shift 2 ;;
    --warmup) WARMUP="$2"; shift 2 ;;
    --inline) INLINE=1; shift ;;
    --smime) SMIME_DLL="$2"; shift 2 ;;
    *) echo "bench-target2-ceiling.sh: unknown argument $1" >&2; exit 1 ;;
  esac
done
[[ -f "$SMIME_DLL" ]] || { echo "bench-target2-ceiling.sh: no $SMIME_DLL (dotnet build -c Release first)" >&2; exit 1; }
mkdir -p "$OUT"
WORK="$(mktemp -d)"
# shellcheck source=scripts/private-broker.sh
source "$REPO_ROOT/scripts/private-broker.sh"
trap 'stop_private_broker; rm -rf "$WORK"' EXIT
if [[ -z "${RABBITMQ:-}" || -z "${BROKER_PID:-}" ]]; then
  start_private_broker "$OUT" bench-target2-ceiling
fi
[[ -n "$INLINE" || -n "${SMIME_TEST_POSTGRES:-}" ]] || { echo "bench-target2-ceiling.sh: SMIME_TEST_POSTGRES is not set (or give --inline)" >&2; exit 1; }
CLAIM_ARGS=()
[[ -z "$INLINE" ]] && CLAIM_ARGS=(--postgres "$SMIME_TEST_POSTGRES")

for k in $(seq 1 "$ROUNDS"); do
  read -r load _ < /proc/loadavg
  speed="$(taskset -c 0 openssl speed -seconds 3 rsa2048 2>/dev/null | awk '/^rsa 2048 bits/ {print $6}')"
  echo "round $k $(date -u +%H:%M:%S) load $load openssl $speed" | tee -a "$OUT/rounds.txt" >&2
  if (( k % 2 )); then order=(paced mixed); else order=(mixed paced); fi
  for variant in "${order[@]}"; do
    large=()
    [[ "$variant" == mixed ]] && large=(--large-every 10)
    echo "[bench-target2-ceiling] guarantees-$variant-1-$k $(date -u +%H:%M:%S)" >&2
    dotnet "$SMIME_DLL" bench guarantees --rabbitmq "$RABBITMQ" --broker-pid "$BROKER_PID" --message standard --messages "$MESSAGES" \
      --warmup "$WARMUP" --rate "$RATE" "${large[@]}" "${CLAIM_ARGS[@]}" --work-dir "$WORK" --json > "$OUT/guarantees-$variant-1-$k.json"
  done
done

python3 - "$OUT" "$ROUNDS" "$REPO_ROOT/scripts" <<'EOF'
import json, os, sys
out, rounds = sys.argv[1], int(sys.argv[2])
sys.path.insert(0, sys.argv[3])
import bench_summary as b

def load(name):
    path = os.path.join(out, f"{name}.json")
    return json.load(open(path)) if os.path.exists(path) else None

for k in range(1, rounds + 1):
    a, m = load(f"guarantees-paced-1-{k}"), load(f"guarantees-mixed-1-{k}")
    print(f"round {k}: alone {a['messagesPerSecond']:.1f} msg/s, small p50/p99 {a['smallLatencyP50Milliseconds']:.1f}/{a['smallLatencyP99Milliseconds']:.1f} ms, "
          f"CPU ms/mail {a['machineCpuMillisecondsPerMail']:.2f} (process {a['processCpuMillisecondsPerMail']:.2f}, broker {a.get('brokerCpuMillisecondsPerMail') or 0:.2f}); "
          f"mixed {m['messagesPerSecond']:.1f} msg/s, small p50/p99 {m['smallLatencyP50Milliseconds']:.1f}/{m['smallLatencyP99Milliseconds']:.1f} ms, "
          f"large p50/p99 {m['largeLatencyP50Milliseconds']:.1f}/{m['largeLatencyP99Milliseconds']:.1f} ms ({m['largeDelivered']} large), "
          f"CPU ms/mail {m['machineCpuMillisecondsPerMail']:.2f} (process {m['processCpuMillisecondsPerMail']:.2f}, broker {m.get('brokerCpuMillisecondsPerMail') or 0:.2f}, "
          f"PostgreSQL {m.get('postgresCpuMillisecondsPerMail') or 0:.2f}); round ratio {m['smallLatencyP99Milliseconds'] / max(a['smallLatencyP99Milliseconds'], 0.1):.2f}")
m = load("guarantees-mixed-1-1")
print(f"large mail: {m['largeCommandBytes']} B command {'by claim (PostgreSQL), ' + str(m['largeQueueBodyBytes']) + ' B reference through the queue' if m['producerClaimCheck'] else 'inline through the quorum queue'}; "
      f"{m['largeProtectedBytes']} B pickup file; standard: {m['protectEmailBytes']} B command, {m['protectedBytes']} B file")
rule = b.target2_rule(b.target2_latency_rounds(load, 1, rounds, "guarantees-"))
note, _ = b.target2_ceiling(rule)
print(f"target 2's ceiling under the guarantees: {rule['ratio']:.2f}x; {note}")
EOF
