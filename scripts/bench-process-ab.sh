#!/usr/bin/env bash
# Issue 17, session 13: two builds of smime, flat out, in rotated rounds on one private RabbitMQ (scripts/private-broker.sh).
#
#   scripts/bench-process-ab.sh OUT_DIR A_DLL B_DLL [ORDER]      e.g. /tmp/ab main/smime.dll branch/smime.dll ABBABA
#
# Each run: DOTNET_GCLOHThreshold=0x100000 smime bench pipeline --message standard --messages MESSAGES --warmup WARMUP
# --json --broker-pid PID (defaults 4000 and 3000, target 1's flat-out run), each with a fresh ledger and pickup
# directory. Before each round (a pair of runs) the load average and `openssl speed -seconds 3 rsa2048` on core 0.
# One line per run (scripts/bench_run_line.py); then per round B / A of msg/s, smime / RabbitMQ / machine CPU per mail and
# allocation, and the means. Not part of CI; build Release first.
set -euo pipefail
OUT=${1:?out dir}; A=${2:?A smime.dll}; B=${3:?B smime.dll}; ORDER=${4:-ABBABA}
MESSAGES=${MESSAGES:-4000}; WARMUP=${WARMUP:-3000}
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mkdir -p "$OUT"
# shellcheck source=scripts/private-broker.sh
source "$REPO/scripts/private-broker.sh"
trap stop_private_broker EXIT
start_private_broker "$OUT" bench-process-ab.sh

for ((i = 0; i < ${#ORDER}; i++)); do
  v=${ORDER:i:1}; dll=$A; [[ $v == B ]] && dll=$B
  if ((i % 2 == 0)); then
    echo "round $((i / 2 + 1)): load $(cut -d' ' -f1-3 /proc/loadavg), openssl rsa2048 sign/s on core 0:" \
      "$(taskset -c 0 openssl speed -seconds 3 rsa2048 2>/dev/null | awk '/^rsa 2048 bits/ {print $6}')"
  fi
  name="run$((i + 1))-$v"
  load="$(cut -d' ' -f1 /proc/loadavg)"
  DOTNET_GCLOHThreshold=0x100000 dotnet "$dll" bench pipeline --rabbitmq "$RABBITMQ" --message standard \
    --messages "$MESSAGES" --warmup "$WARMUP" --broker-pid "$BROKER_PID" --json >"$OUT/$name.json" 2>"$OUT/$name.err" \
    || { echo "$name: the bench failed: $(tail -n 3 "$OUT/$name.err")" >&2; rm -f "$OUT/$name.json"; continue; }
  python3 "$REPO/scripts/bench_run_line.py" "$OUT/$name.json" "$name" "$load"
done

python3 - "$OUT" "$ORDER" <<'PY'
import json, os, statistics, sys
out, order = sys.argv[1], sys.argv[2]
runs = []
for i, v in enumerate(order):
    p = f"{out}/run{i + 1}-{v}.json"
    runs.append((v, json.load(open(p)) if os.path.exists(p) else None))
keys = [('messagesPerSecond', 'msg/s'), ('processCpuMillisecondsPerMail', 'smime ms'), ('brokerCpuMillisecondsPerMail', 'RabbitMQ ms'),
        ('machineCpuMillisecondsPerMail', 'machine ms'), ('allocatedBytesPerMail', 'B/mail')]
for r in range(0, len(runs) - 1, 2):
    pair = dict(runs[r:r + 2])
    if pair.get('A') and pair.get('B'):
        print(f"round {r // 2 + 1} B/A: " + ", ".join(f"{label} {pair['B'][k] / pair['A'][k]:.3f}" for k, label in keys if pair['A'].get(k)))
for v in 'AB':
    got = [d for w, d in runs if w == v and d]
    if got:
        print(f"{v} mean of {len(got)}: " + ", ".join(f"{label} {statistics.mean(d.get(k) or 0 for d in got):.3f}" for k, label in keys))
PY
