#!/usr/bin/env bash
# Issue 17, session 19: what the broker does per mail, bench by bench, at a pace or flat out, on one private RabbitMQ
# (scripts/private-broker.sh).
#
#   scripts/bench-broker-work.sh OUT "label|pipeline|--rate 100" "label|guarantees|--rate 100" ...   e.g. in A B B A order
#
# Each run: DOTNET_GCLOHThreshold=0x100000 smime bench BENCH [--message standard] ARGS --messages MESSAGES --warmup WARMUP
# --broker-pid PID --json (defaults 3000 and 1000; SMIME_DLL, default the Release build). Once the bench prints that it is
# measuring, the broker's system calls (all, fdatasync, futex, write/writev, recvfrom, epoll_wait), context switches and CPU
# (`perf stat` on beam.smp) and its Erlang reductions (counted by the node over the same WINDOW seconds, default 20),
# divided by the mails of the window (the run's msg/s: the pace when it kept it); a window that ended after the run is
# reported VOID (the run must outlast it: MESSAGES / pace > WINDOW + 10 s). The load and `openssl speed -seconds 3 rsa2048` on core 0
# before each run. Counts of the wire itself (frames, header bytes): scripts/amqp-frame-count.py. Not part of CI.
set -euo pipefail
OUT=${1:?out dir}; shift
MESSAGES=${MESSAGES:-3000}; WARMUP=${WARMUP:-1000}; WINDOW=${WINDOW:-20}
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SMIME_DLL=${SMIME_DLL:-$REPO/src/SmimePipeline.Cli/bin/Release/net10.0/smime.dll}
mkdir -p "$OUT"
# shellcheck source=scripts/private-broker.sh
source "$REPO/scripts/private-broker.sh"
trap stop_private_broker EXIT
start_private_broker "$OUT" bench-broker-work.sh

ctl() {
  local run=(); [[ $(id -u) -eq 0 ]] && run=(runuser -u rabbitmq --)
  (cd "$OUT" && "${run[@]}" env ERL_EPMD_PORT="$ERL_EPMD_PORT" RABBITMQ_CTL_DIST_PORT_MIN="$RABBITMQ_CTL_DIST_PORT_MIN" \
    RABBITMQ_CTL_DIST_PORT_MAX="$RABBITMQ_CTL_DIST_PORT_MAX" /usr/lib/rabbitmq/bin/rabbitmqctl -n "$SMIME_TEST_RABBITMQ_NODE" "$@")
}
# The node's reductions over WINDOW seconds, counted inside the node from when the CLI call gets there (it took 10-50 s to
# boot at load 40): close to perf's window on a quiet machine, later on a loaded one.
reductions_over() { ctl eval "R0 = element(1, erlang:statistics(reductions)), timer:sleep($1 * 1000), element(1, erlang:statistics(reductions)) - R0." 2>/dev/null; }

i=0
for spec in "$@"; do
  i=$((i + 1)); IFS='|' read -r label bench args <<<"$spec"; name="run$i-$label"
  echo "$name: load $(cut -d' ' -f1-3 /proc/loadavg), openssl rsa2048 sign/s on core 0:" \
    "$(taskset -c 0 openssl speed -seconds 3 rsa2048 2>/dev/null | awk '/^rsa 2048 bits/ {print $6}')"
  extra=(); [[ $bench == pipeline ]] && extra=(--message standard)
  # shellcheck disable=SC2086 # ARGS are words
  DOTNET_GCLOHThreshold=0x100000 dotnet "$SMIME_DLL" bench "$bench" --rabbitmq "$RABBITMQ" "${extra[@]}" $args \
    --messages "$MESSAGES" --warmup "$WARMUP" --broker-pid "$BROKER_PID" --json >"$OUT/$name.json" 2>"$OUT/$name.err" &
  run=$!
  until grep -q 'measuring' "$OUT/$name.err" 2>/dev/null || ! kill -0 "$run" 2>/dev/null; do sleep 0.5; done
  sleep 2
  reductions_over "$WINDOW" >"$OUT/$name.reductions" &
  counting=$!
  perf stat -x, -o "$OUT/$name.perf" -e raw_syscalls:sys_enter,syscalls:sys_enter_fdatasync,syscalls:sys_enter_futex,syscalls:sys_enter_write,syscalls:sys_enter_writev,syscalls:sys_enter_recvfrom,syscalls:sys_enter_epoll_wait,context-switches,task-clock \
    -p "$BROKER_PID" -- sleep "$WINDOW"
  window_end=$(date +%s.%N)
  wait "$run" || { echo "$name: the bench failed: $(tail -n 3 "$OUT/$name.err")" >&2; continue; }
  run_end=$(date +%s.%N)
  wait "$counting" || true
  # A window that outlasted the run counted an idle broker: the run is too short for the window (raise MESSAGES).
  if awk -v w="$window_end" -v r="$(stat -c %Y "$OUT/$name.json")" 'BEGIN { exit !(w > r + 1) }'; then
    echo "  $name: VOID, the window ended after the run (window $WINDOW s; run ended $run_end)"; continue
  fi
  python3 - "$OUT/$name.json" "$OUT/$name.perf" "$(tr -dc 0-9 <"$OUT/$name.reductions")" "$WINDOW" "$name" <<'PY'
import json, sys
report, perf, reductions, window, name = sys.argv[1:6]
d = json.load(open(report))
rate = d.get('publishRate') or 0
mails = d['messagesPerSecond'] * float(window)  # a paced run that kept its pace: the pace
per = {}
for line in open(perf):
    f = line.strip().split(',')
    if len(f) > 3 and f[0][:1].isdigit():
        per[f[2].replace('raw_syscalls:sys_enter', 'syscalls').replace('syscalls:sys_enter_', '')] = float(f[0]) / mails
per['reductions'] = int(reductions) / mails if reductions else float('nan')  # its own window, started with perf's
print(f"  {name}: {d['messagesPerSecond']} msg/s (pace {rate or 'flat out'}); ms per mail: smime {d['processCpuMillisecondsPerMail']}, "
      f"RabbitMQ {d['brokerCpuMillisecondsPerMail']}, machine {d['machineCpuMillisecondsPerMail']}")
print('  broker per mail in the window: ' + ', '.join(f'{k} {v:.2f}' for k, v in per.items()))
PY
done
