#!/usr/bin/env bash
# Issue 17, session 19: where one mail's thread hops and wake-ups are in our process.
#
#   RABBITMQ=URI BROKER_PID=PID scripts/bench-wakeups.sh OUT_DIR SMIME_DLL LABEL
#       [RATE=150 (0: flat out)] [MESSAGES=3000] [WARMUP=1500] [WINDOW=10 (seconds)] [KEEP=1]
#
# Runs one `smime bench pipeline --message standard` (DOTNET_PerfMapEnabled=1, so that perf names JIT-compiled frames),
# waits for its measured phase, and for WINDOW seconds records in the same window:
#   - `perf record -e sched:sched_switch -g` of the process: every time one of its threads leaves the core, with the stack;
#     a switch whose prev_state is S (or D) is a thread that blocked (a voluntary switch, as getrusage counts them);
#   - `perf stat --per-thread` of the system calls a wake-up costs (futex, epoll_wait, fsync/fdatasync, sched_yield, ...);
#   - the pickup files that appeared in the window (the mails delivered in it).
# Then scripts/wakeups_report.py prints, per mail: blockings by thread group and by what the thread waited on (the wait
# primitive, from the stack), and the system calls by thread group. Not for CPU figures (perf's own cost is in them);
# counts per mail are what it is for. The bench's JSON (with its own voluntarySwitchesPerMail and threadPoolWorkItemsPerMail)
# is in OUT/LABEL.json. perf's files (hundreds of MB for a paced run) are deleted after the report unless KEEP=1.
set -euo pipefail
OUT=${1:?out dir}; DLL=${2:?smime.dll}; LABEL=${3:?label}
RATE=${RATE:-150}; MESSAGES=${MESSAGES:-3000}; WARMUP=${WARMUP:-1500}; WINDOW=${WINDOW:-10}
: "${RABBITMQ:?RABBITMQ=amqp://...}" "${BROKER_PID:?BROKER_PID=pid of beam.smp}"
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mkdir -p "$OUT"
WORK="$OUT/$LABEL-work"; rm -rf "$WORK"; mkdir -p "$WORK"
rate_args=(); [[ "$RATE" != 0 ]] && rate_args=(--rate "$RATE")
echo "[$LABEL] load $(cut -d' ' -f1-3 /proc/loadavg), openssl rsa2048 sign/s on core 0:" \
  "$(taskset -c 0 openssl speed -seconds 3 rsa2048 2>/dev/null | awk '/^rsa 2048 bits/ {print $6}')" | tee "$OUT/$LABEL.load"
DOTNET_PerfMapEnabled=1 DOTNET_GCLOHThreshold=0x100000 dotnet "$DLL" bench pipeline --rabbitmq "$RABBITMQ" --message standard \
  --messages "$MESSAGES" --warmup "$WARMUP" "${rate_args[@]}" --broker-pid "$BROKER_PID" --work-dir "$WORK" --json \
  >"$OUT/$LABEL.json" 2>"$OUT/$LABEL.err" &
BENCH=$!
until grep -q 'measuring\.' "$OUT/$LABEL.err" 2>/dev/null; do
  kill -0 "$BENCH" 2>/dev/null || { echo "[$LABEL] the bench ended before measuring: $(tail -n 3 "$OUT/$LABEL.err")" >&2; exit 1; }
  sleep 0.5
done
sleep 2
# The bench process is dotnet's child or dotnet itself (the muxer execs the app host in the same process).
PID=$BENCH
files() { find "$WORK" -path '*/outbox/*.eml' 2>/dev/null | wc -l; }
before=$(files)
perf stat --per-thread -x, -o "$OUT/$LABEL.syscalls" -p "$PID" -e 'syscalls:sys_enter_futex,syscalls:sys_enter_epoll_wait,syscalls:sys_enter_epoll_pwait,syscalls:sys_enter_fsync,syscalls:sys_enter_fdatasync,syscalls:sys_enter_sched_yield,syscalls:sys_enter_sendmsg,syscalls:sys_enter_recvmsg,syscalls:sys_enter_write,syscalls:sys_enter_read,syscalls:sys_enter_pwrite64,syscalls:sys_enter_rename,syscalls:sys_enter_openat' -- sleep "$WINDOW" &
STAT=$!
perf record -q -e sched:sched_switch -g -p "$PID" -o "$OUT/$LABEL.perf.data" -- sleep "$WINDOW" >/dev/null 2>&1
wait "$STAT" || true
after=$(files)
echo "$((after - before))" >"$OUT/$LABEL.mails"
wait "$BENCH" || { echo "[$LABEL] the bench failed: $(tail -n 3 "$OUT/$LABEL.err")" >&2; }
perf script -i "$OUT/$LABEL.perf.data" -F tid,comm,event,trace,ip,sym,dso 2>/dev/null >"$OUT/$LABEL.sched.txt" || true
rm -rf "$WORK"
python3 "$REPO/scripts/wakeups_report.py" "$OUT" "$LABEL" | tee "$OUT/$LABEL.report"
[[ "${KEEP:-0}" == 1 ]] || rm -f "$OUT/$LABEL.perf.data" "$OUT/$LABEL.sched.txt"
