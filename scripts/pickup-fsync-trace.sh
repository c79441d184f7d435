#!/usr/bin/env bash
# Issue 17, target 2, session 17: a small mail's pickup fsync beside large mails' files, for two builds of smime in rotated
# rounds on one private RabbitMQ and PostgreSQL (scripts/private-broker.sh), producer claim check on, every 10th mail ≈ 1.5 MB.
#
#   scripts/pickup-fsync-trace.sh OUT_DIR A_DIR B_DIR [ORDER]          e.g. /tmp/t base/ new/ ABBA   (root: perf trace)
#
# A_DIR, B_DIR: Release outputs holding smime.dll (copy one aside before rebuilding). Each run: `smime bench pipeline
# --large-every 10 --rate RATE --messages MESSAGES --warmup WARMUP --postgres …` (defaults 35, 1500, 1500); from 5 s into the
# measured part, TRACE_SECONDS (30) of `perf trace -e openat,pwrite64,sync_file_range,fsync,rename,close` on the smime
# process, then scripts/pickup_fsync_trace.py on it (OUT/runN-V.trace, .steps). Before each round (a pair of runs) the load
# average and `openssl speed -seconds 3 rsa2048` on core 0. perf trace costs CPU while it runs: compare the builds with
# each other here, and take target 2's figures from scripts/bench-target2-ab.sh, which does not trace. Not part of CI.
set -euo pipefail
OUT=${1:?out dir}; A=${2:?A build dir}; B=${3:?B build dir}; ORDER=${4:-ABBA}
RATE=${RATE:-35}; MESSAGES=${MESSAGES:-1500}; WARMUP=${WARMUP:-1500}; TRACE_SECONDS=${TRACE_SECONDS:-30}
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
[[ $(id -u) -eq 0 ]] || { echo "pickup-fsync-trace.sh: perf trace needs root" >&2; exit 1; }
mkdir -p "$OUT"
# shellcheck source=scripts/private-broker.sh
source "$REPO/scripts/private-broker.sh"
trap stop_private_broker EXIT
start_private_broker "$OUT" pickup-fsync-trace.sh

for ((i = 0; i < ${#ORDER}; i++)); do
  v=${ORDER:i:1}; dir=$A; [[ $v == B ]] && dir=$B
  if ((i % 2 == 0)); then
    echo "round $((i / 2 + 1)) $(date -u +%T): load $(cut -d' ' -f1-3 /proc/loadavg), openssl rsa2048 sign/s on core 0:" \
      "$(taskset -c 0 openssl speed -seconds 3 rsa2048 2>/dev/null | awk '/^rsa 2048 bits/ {print $6}')" | tee -a "$OUT/rounds.txt"
  fi
  name="run$((i + 1))-$v"
  echo "$name $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/rounds.txt"
  dotnet "$dir/smime.dll" bench pipeline --rabbitmq "$RABBITMQ" --message standard --warmup "$WARMUP" --messages "$MESSAGES" \
    --rate "$RATE" --large-every 10 --broker-pid "$BROKER_PID" --postgres "$SMIME_TEST_POSTGRES" --json \
    >"$OUT/$name.json" 2>"$OUT/$name.err" &
  bench=$!
  until grep -q 'measuring\.' "$OUT/$name.err" 2>/dev/null || ! kill -0 "$bench" 2>/dev/null; do sleep 0.5; done
  sleep 5
  # SIGTERM: perf trace writes its file and ends; the bench runs on to its end.
  timeout -s TERM "$TRACE_SECONDS" perf trace -e openat,pwrite64,sync_file_range,fsync,rename,close -p "$bench" \
    -o "$OUT/$name.trace" 2>/dev/null || true
  wait "$bench" || echo "$name: bench exited $?" >&2
  python3 "$REPO/scripts/pickup_fsync_trace.py" "$OUT/$name.trace" | tee "$OUT/$name.steps"
  python3 - "$OUT/$name.json" <<'PY' | tee -a "$OUT/$name.steps"
import json, sys
r = json.load(open(sys.argv[1]))
print(f"  bench: {r['messagesPerSecond']} msg/s, small p50 / p99 {r['latencyP50Milliseconds']} / {r['latencyP99Milliseconds']} ms, "
      f"delivery p99 {r['stages']['delivery']['p99Milliseconds']} ms, large p99 {r['largeLatencyP99Milliseconds']} ms, "
      f"smime CPU {r['processCpuMillisecondsPerMail']} ms per mail")
PY
done
