#!/usr/bin/env bash
# Issue 17, target 3's "2 threads >= 1.8x one" against what this machine allows, in rotated rounds (A B B A ...):
#   - the machine: `openssl speed -seconds S rsa2048` pinned to core 0 against `openssl speed -multi 2 -seconds S rsa2048`
#     on cores 0,1, each divided by CPU user time (openssl's default, as bench.sh reads it) and by wall-clock time
#     (-elapsed, the unit of our ratio);
#   - ours: `smime bench protect --message standard --key rsa2048 --threads 1|2` on cores 0,1 exactly as bench.sh runs it;
#     each run also times the crypto floor (the cryptography alone, per-thread keys, same harness) on its thread count,
#     and says how much CPU its threads got and how long they waited for one (/proc/thread-self/schedstat).
# Prints each round's load average at its start, every figure and the ratios: ours 2t/1t, the floor's, openssl's, and ours
# divided by the floor's (what the protect stage loses beyond the cryptography). Not part of CI.
# --processes adds, in each round, ours as two processes of one thread each started together on cores 0,1 (each with
# its own GC heaps, JIT, caches and key objects, like `openssl speed -multi 2`): what two threads in one process lose
# beyond two processes is what they share in the process (the GC, locks, objects); what two processes lose is the machine's.
# --smime-dll PATH measures that build instead of building this checkout (an A/B runs the script once per build).
#
#   scripts/bench-two-threads.sh [--rounds N] [--seconds S] [--warmup S] [--openssl-seconds S] [--keep-results DIR]
#                                [--processes] [--smime-dll PATH]
#
# DOTNET_ variables in the caller's environment reach the protect runs (to compare GC settings, say); bench.sh sets none.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROUNDS=4
SECONDS_MEASURED=10
WARMUP=10
OPENSSL_SECONDS=3
KEEP_RESULTS=""
PROCESSES=0
SMIME_DLL=""
usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit "${1:-0}"; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rounds) ROUNDS="$2"; shift 2 ;;
    --seconds) SECONDS_MEASURED="$2"; shift 2 ;;
    --warmup) WARMUP="$2"; shift 2 ;;
    --openssl-seconds) OPENSSL_SECONDS="$2"; shift 2 ;;
    --keep-results) KEEP_RESULTS="$2"; shift 2 ;;
    --processes) PROCESSES=1; shift ;;
    --smime-dll) SMIME_DLL="$2"; shift 2 ;;
    -h|--help) usage 0 ;;
    *) echo "bench-two-threads.sh: unknown argument $1" >&2; usage 1 ;;
  esac
done
for tool in openssl taskset python3 dotnet; do
  command -v "$tool" >/dev/null || { echo "bench-two-threads.sh: $tool is required" >&2; exit 1; }
done
[[ "$(nproc)" -ge 2 ]] || { echo "bench-two-threads.sh: needs 2 CPUs" >&2; exit 1; }

if [[ -z "$SMIME_DLL" ]]; then
  echo "[bench-two-threads.sh] building Release" >&2
  dotnet build "$REPO_ROOT/src/SmimePipeline.Cli/SmimePipeline.Cli.csproj" -c Release -nologo -v quiet >&2
  SMIME_DLL="$REPO_ROOT/src/SmimePipeline.Cli/bin/Release/net10.0/smime.dll"
fi
[[ -f "$SMIME_DLL" ]] || { echo "bench-two-threads.sh: $SMIME_DLL not found" >&2; exit 1; }
RESULTS="$(mktemp -d)"
cleanup() {
  if [[ -n "$KEEP_RESULTS" ]]; then mkdir -p "$KEEP_RESULTS" && cp "$RESULTS"/* "$KEEP_RESULTS"/ 2>/dev/null || true; fi
  rm -rf "$RESULTS"
}
trap cleanup EXIT

# openssl_rsa NAME CPUS ARGS...: RSA-2048 sign/s (all processes together) of one `openssl speed` run pinned to CPUS.
# OpenSSL 3 prints "rsa 2048 bits 0.000377s 0.000011s   2650.3  88000.1" (sign, verify, sign/s, verify/s), with -multi too.
openssl_rsa() {
  local name="$1" cpus="$2"; shift 2
  echo "[bench-two-threads.sh] $name: openssl speed $* -seconds $OPENSSL_SECONDS rsa2048 (cpus $cpus)" >&2
  taskset -c "$cpus" openssl speed "$@" -seconds "$OPENSSL_SECONDS" rsa2048 2>/dev/null | awk '/^rsa 2048 bits/ {print $6}' > "$RESULTS/$name.txt"
}

# protect NAME THREADS: bench.sh's target-3 thread runs (cores 0,1, the runtime's default large-object threshold).
protect() {
  echo "[bench-two-threads.sh] $1: smime bench protect --message standard --key rsa2048 --threads $2 (cpus 0,1)" >&2
  DOTNET_GCLOHThreshold=0x14C08 taskset -c 0,1 dotnet "$SMIME_DLL" bench protect --message standard --key rsa2048 \
    --threads "$2" --seconds "$SECONDS_MEASURED" --warmup "$WARMUP" --json > "$RESULTS/$1.json"
}

# protect_processes NAME: two one-thread runs as separate processes, started together on cores 0,1 (NAME-a, NAME-b).
protect_processes() {
  echo "[bench-two-threads.sh] $1: two processes of smime bench protect --threads 1 at once (cpus 0,1)" >&2
  local pids=() side
  for side in a b; do
    DOTNET_GCLOHThreshold=0x14C08 taskset -c 0,1 dotnet "$SMIME_DLL" bench protect --message standard --key rsa2048 \
      --threads 1 --seconds "$SECONDS_MEASURED" --warmup "$WARMUP" --json > "$RESULTS/$1-$side.json" &
    pids+=("$!")
  done
  for side in "${pids[@]}"; do wait "$side"; done
}

for round in $(seq 1 "$ROUNDS"); do
  cat /proc/loadavg > "$RESULTS/load-$round.txt"
  # Odd rounds: the machine first, one before two; even rounds: the reverse order of everything.
  steps=(openssl-1 openssl-2 elapsed-1 elapsed-2 ours-1 ours-2)
  if (( PROCESSES )); then steps+=(ours-2p); fi
  if (( round % 2 == 0 )); then steps=(ours-2 ours-1 elapsed-2 elapsed-1 openssl-2 openssl-1); if (( PROCESSES )); then steps=(ours-2p "${steps[@]}"); fi; fi
  for step in "${steps[@]}"; do
    case "$step" in
      openssl-1) openssl_rsa "openssl-1-$round" 0 ;;
      openssl-2) openssl_rsa "openssl-2-$round" 0,1 -multi 2 ;;
      elapsed-1) openssl_rsa "elapsed-1-$round" 0 -elapsed ;;
      elapsed-2) openssl_rsa "elapsed-2-$round" 0,1 -elapsed -multi 2 ;;
      ours-1) protect "ours-1-$round" 1 ;;
      ours-2) protect "ours-2-$round" 2 ;;
      ours-2p) protect_processes "ours-2p-$round" ;;
    esac
  done
done

python3 - "$RESULTS" "$ROUNDS" "$PROCESSES" "$REPO_ROOT/scripts" <<'PY'
import json, statistics, sys
results, rounds, processes = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
sys.path.insert(0, sys.argv[4])
import thread_pairs  # scripts/thread_pairs.py: the pair arithmetic bench_summary.py uses for bench.sh's pairs

nan = lambda x: float("nan") if x is None else x

def number(name):
    return float(open(f"{results}/{name}.txt").read().strip() or "nan")

def ours(name):
    return json.load(open(f"{results}/{name}.json"))["results"][0]

rows = []
print("target 3, two threads against the machine's own scaling (cores 0,1; openssl 1 process on core 0 vs -multi 2)")
for r in range(1, rounds + 1):
    load = open(f"{results}/load-{r}.txt").read().split()[:3]
    one, two = ours(f"ours-1-{r}"), ours(f"ours-2-{r}")
    figures = thread_pairs.pair(one, two)
    row = {
        "openssl": number(f"openssl-2-{r}") / number(f"openssl-1-{r}"),
        "openssl wall": number(f"elapsed-2-{r}") / number(f"elapsed-1-{r}"),
        "floor": nan(figures["floorRatio"]),
        "ours": figures["ratio"],
        "ours / floor": nan(figures["oursOverFloor"]),
    }
    print(f"\nround {r} ({'machine first' if r % 2 else 'ours first'}), load average at its start {' '.join(load)}")
    print(f"  openssl rsa2048 sign/s, CPU-time divisor: 1 process {number(f'openssl-1-{r}'):.1f}, 2 processes {number(f'openssl-2-{r}'):.1f} = {row['openssl']:.3f}x")
    print(f"  openssl rsa2048 sign/s, wall clock:       1 process {number(f'elapsed-1-{r}'):.1f}, 2 processes {number(f'elapsed-2-{r}'):.1f} = {row['openssl wall']:.3f}x")
    print(f"  {'run':<14} {'msg/s':>8} {'per thr CPU-s':>13} {'thr CPU s/s':>11} {'thr wait s/s':>12} {'process s/s':>11} {'floor msg/s':>11} {'floor per CPU-s':>15} {'floor CPU s/s':>13} {'floor wait':>10}")
    for label, x in [("ours 1 thread", one), ("ours 2 threads", two)]:
        u, f = x.get("threadUse") or {}, x["floorThroughput"]
        fu = f.get("threadUse") or {}
        print(f"  {label:<14} {x['messagesPerSecond']:>8.1f} {u.get('messagesPerWorkerCpuSecond', float('nan')):>13.1f} {u.get('workerCpuPerSecond', float('nan')):>11.2f} "
              f"{u.get('workerWaitPerSecond', float('nan')):>12.2f} {u.get('processCpuPerSecond', float('nan')):>11.2f} {f['messagesPerSecond']:>11.1f} "
              f"{fu.get('messagesPerWorkerCpuSecond', float('nan')):>15.1f} {fu.get('workerCpuPerSecond', float('nan')):>13.2f} {fu.get('workerWaitPerSecond', float('nan')):>10.2f}")
    gc = lambda x: x.get("gc") or {}
    print(f"  GC ({gc(two).get('mode', '?')}): gen-0 per 1,000 mails 1 thread {gc(one).get('gen0Per1000Messages', float('nan')):.1f}, "
          f"2 threads {gc(two).get('gen0Per1000Messages', float('nan')):.1f}; paused per mail {gc(one).get('pauseMicrosecondsPerMessage', float('nan')):.1f} / "
          f"{gc(two).get('pauseMicrosecondsPerMessage', float('nan')):.1f} us")
    row["ours per CPU-s"] = nan(figures["perCpuRatio"])
    row["floor per CPU-s"] = nan(figures["floorPerCpuRatio"])
    if processes:
        # Two processes of one thread: their rates add up; per CPU-second, the mails of both over the CPU of both.
        pa, pb = ours(f"ours-2p-{r}-a"), ours(f"ours-2p-{r}-b")
        ua, ub = pa.get("threadUse") or {}, pb.get("threadUse") or {}
        both = pa["messagesPerSecond"] + pb["messagesPerSecond"]
        cpu = ua.get("workerCpuPerSecond", float("nan")) + ub.get("workerCpuPerSecond", float("nan"))
        row["2 processes"] = both / one["messagesPerSecond"]
        row["2 threads / 2 processes"] = row["ours"] / row["2 processes"]
        row["2 proc per CPU-s"] = (both / cpu) / nan(thread_pairs.per_cpu(one))
        print(f"  ours 2 processes {pa['messagesPerSecond']:.1f} + {pb['messagesPerSecond']:.1f} = {both:.1f} msg/s, workers' CPU {cpu:.2f} s/s, "
              f"GC {pa['gc']['gen0Per1000Messages']:.1f} / {pb['gc']['gen0Per1000Messages']:.1f} gen-0 per 1,000 mails: "
              f"2 processes / 1 thread {row['2 processes']:.3f}, 2 threads / 2 processes {row['2 threads / 2 processes']:.3f}; "
              f"per thread CPU-second {row['2 proc per CPU-s']:.3f}")
    print(f"  2 threads / 1: ours {row['ours']:.3f}, floor {row['floor']:.3f}, ours / floor {row['ours / floor']:.3f}; "
          f"per thread CPU-second: ours {row['ours per CPU-s']:.3f}, floor {row['floor per CPU-s']:.3f}")
    rows.append(row)

print("\nmedian over rounds (min - max):")
for key in rows[0]:
    values = [x[key] for x in rows]
    print(f"  {key:<16} {statistics.median(values):.3f} ({min(values):.3f} - {max(values):.3f})")
PY
