#!/usr/bin/env bash
# Issue 17, target 3 (session 17): what a `smime bench protect` run costs besides its worker threads, inside its
# measured phase only. Runs `smime bench protect --message standard --key rsa2048 --threads N` on cores 0,1 as
# bench.sh does, waits for the measured phase (the harness starts new `bench-0` threads for each phase: warm-up,
# measured, then the large-object-heap phase with its GC EventListener; the measured phase is the second `bench-0`
# thread id), then over WINDOW seconds of it reads:
#   - each thread group's CPU (/proc/PID/task/*/schedstat, ns) divided by the workers' (`bench-*`): the GC threads, the
#     tiering JIT, the finalizer: what a second protecting thread has to share its core with;
#   - with `perf` installed, kernel events per 1,000 mails (page faults, context switches, TLB flushes, IPIs, mmap /
#     munmap / mprotect / madvise, futex), from the run's own mails per second.
# Prints one line per run. Not part of CI. DOTNET_ variables in the caller's environment reach the run.
#
#   scripts/bench-protect-phase-costs.sh [--threads N] [--seconds S] [--warmup S] [--window S] [--smime-dll PATH] [--keep DIR]
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
THREADS=2
SECONDS_MEASURED=10
WARMUP=8
WINDOW=6
SMIME_DLL=""
KEEP=""
usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit "${1:-0}"; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    --threads) THREADS="$2"; shift 2 ;;
    --seconds) SECONDS_MEASURED="$2"; shift 2 ;;
    --warmup) WARMUP="$2"; shift 2 ;;
    --window) WINDOW="$2"; shift 2 ;;
    --smime-dll) SMIME_DLL="$2"; shift 2 ;;
    --keep) KEEP="$2"; shift 2 ;;
    -h|--help) usage 0 ;;
    *) echo "bench-protect-phase-costs.sh: unknown argument $1" >&2; usage 1 ;;
  esac
done
(( WINDOW + 1 < SECONDS_MEASURED )) || { echo "bench-protect-phase-costs.sh: --window must be shorter than --seconds - 1" >&2; exit 1; }
if [[ -z "$SMIME_DLL" ]]; then
  dotnet build "$REPO_ROOT/src/SmimePipeline.Cli/SmimePipeline.Cli.csproj" -c Release -nologo -v quiet >&2
  SMIME_DLL="$REPO_ROOT/src/SmimePipeline.Cli/bin/Release/net10.0/smime.dll"
fi
OUT="$(mktemp -d)"
cleanup() {
  if [[ -n "$KEEP" ]]; then mkdir -p "$KEEP" && cp "$OUT"/* "$KEEP"/ 2>/dev/null || true; fi
  rm -rf "$OUT"
}
trap cleanup EXIT

DOTNET_GCLOHThreshold=0x14C08 taskset -c 0,1 dotnet "$SMIME_DLL" bench protect --message standard --key rsa2048 \
  --threads "$THREADS" --seconds "$SECONDS_MEASURED" --warmup "$WARMUP" --json > "$OUT/run.json" &
pid=$!

# The id of the process's `bench-0` thread, empty while it has none.
bench_tid() { grep -lx "bench-0" /proc/"$pid"/task/*/comm 2>/dev/null | head -1 | cut -d/ -f5 || true; }
first="" now=""
until [[ -n "$first" ]]; do first="$(bench_tid)"; sleep 0.05; kill -0 "$pid" 2>/dev/null || { echo "bench-protect-phase-costs.sh: the run ended before its warm-up" >&2; exit 1; }; done
until [[ -n "$now" && "$now" != "$first" ]]; do now="$(bench_tid)"; sleep 0.02; kill -0 "$pid" 2>/dev/null || { echo "bench-protect-phase-costs.sh: the run ended before its measured phase" >&2; exit 1; }; done
sleep 0.5
# tid|name|run ns of every thread
snapshot() { local f; for f in /proc/"$pid"/task/*; do { c="$(cat "$f/comm")" && r="$(cut -d' ' -f1 "$f/schedstat")" && echo "${f##*/}|$c|$r"; } 2>/dev/null || true; done; }
snapshot > "$OUT/threads-0.txt"
if command -v perf >/dev/null; then
  perf stat -x, -o "$OUT/perf.csv" -p "$pid" -e page-faults,context-switches,cpu-migrations,tlb:tlb_flush,ipi:ipi_send_cpu,syscalls:sys_enter_mmap,syscalls:sys_enter_munmap,syscalls:sys_enter_mprotect,syscalls:sys_enter_madvise,syscalls:sys_enter_futex -- sleep "$WINDOW" 2>/dev/null || true
else
  sleep "$WINDOW"
fi
snapshot > "$OUT/threads-1.txt"
# Still the measured phase? Its bench-0 must be the one the window began with.
[[ "$(bench_tid)" == "$now" ]] || { echo "bench-protect-phase-costs.sh: the measured phase ended inside the window; use a longer --seconds" >&2; exit 1; }
wait "$pid"

python3 - "$OUT" "$THREADS" "$WINDOW" "$(cut -d' ' -f1-3 /proc/loadavg)" <<'PY'
import collections, json, os, sys
out, threads, window, load = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
run = json.load(open(f"{out}/run.json"))["results"][0]

def group(name):
    return "workers" if name.startswith("bench-") else name.rstrip("0123456789 ")

def read(path):
    return {tid: (name, int(ns)) for tid, name, ns in (line.rstrip("\n").split("|") for line in open(path))}

before, after = read(f"{out}/threads-0.txt"), read(f"{out}/threads-1.txt")
cpu = collections.Counter()
for tid, (name, ns) in after.items():
    cpu[group(name)] += ns - before.get(tid, (name, 0))[1]
workers = cpu["workers"] or 1
mails = run["messagesPerSecond"] * window
others = ", ".join(f"{k} {v / workers:.3f}" for k, v in cpu.most_common() if k != "workers" and v > 0)
print(f"threads {threads}, load {load}: {run['messagesPerSecond']} msg/s, workers' CPU {cpu['workers'] / 1e9 / window:.2f} s/s; "
      f"GC {run['gc']['mode']}, {run['gc']['gen0Per1000Messages']} gen-0 per 1,000 mails, {run['gc']['pauseMicrosecondsPerMessage']} us paused per mail")
print(f"  other threads' CPU / workers' CPU: {others or 'none'}")
if os.path.exists(f"{out}/perf.csv"):
    events = []
    for line in open(f"{out}/perf.csv"):
        parts = line.strip().split(",")
        if len(parts) > 2 and parts[0].replace(".", "").isdigit():
            events.append(f"{parts[2].split(':')[-1].replace('sys_enter_', '')} {float(parts[0]) / mails * 1000:.0f}")
    print(f"  kernel events per 1,000 mails: {', '.join(events)}")
PY
