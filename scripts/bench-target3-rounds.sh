#!/usr/bin/env bash
# Issue 17, target 3's own work, one build against another (or one build against itself) in rotated runs on core 0,
# as bench.sh runs it (`DOTNET_GCLOHThreshold=0x14C08 taskset -c 0 smime bench protect --key rsa2048 --json`):
#
#   scripts/bench-target3-rounds.sh [--order ABBABA] [--message standard|small] [--seconds S] [--warmup S]
#                                   [--b-neighbour CPU] [--keep-results DIR] A/smime.dll [B/smime.dll]
#
# --b-neighbour CPU runs B beside a memory-streaming neighbour pinned to CPU (a process copying 64 MB buffers, started
# before B's run and stopped after it): on 0 it time-shares the bench's core (every slice comes back to caches the
# neighbour emptied), on 1 it shares only the memory and the last-level cache. With one DLL: does that hurt our own
# work more than the crypto floor?
#
# Before each run: the load average, the steal and the busy share of the machine since the previous run (/proc/stat),
# and `openssl speed -seconds 3 rsa2048` on core 0 (sign/s). Each run prints both floors (timed after the throughput
# run, and the median of the wall-clock pairs), the wall-clock paired share (PairedOwnWork, bench.sh's figure up to
# session 13) and, from a build that has it, the share by thread CPU time (OwnWorkByCpuTime, the figure since session 14)
# with its clean pairs and what a deschedule cost our work and the floor. Then, per build, each figure's median and
# spread (min-max) over its runs, and B's floor over A's in each adjacent A/B pair. With one build, A and B are the same
# DLL: the spread of a build against itself. Not part of CI.
set -euo pipefail

ORDER=ABBABA
MESSAGE=standard
SECONDS_MEASURED=4
WARMUP=15
KEEP_RESULTS=""
B_NEIGHBOUR=""
usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit "${1:-0}"; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    --order) ORDER="$2"; shift 2 ;;
    --message) MESSAGE="$2"; shift 2 ;;
    --seconds) SECONDS_MEASURED="$2"; shift 2 ;;
    --warmup) WARMUP="$2"; shift 2 ;;
    --keep-results) KEEP_RESULTS="$2"; shift 2 ;;
    --b-neighbour) B_NEIGHBOUR="$2"; shift 2 ;;
    -h|--help) usage 0 ;;
    -*) echo "bench-target3-rounds.sh: unknown argument $1" >&2; usage 1 ;;
    *) break ;;
  esac
done
[[ $# -ge 1 && $# -le 2 ]] || usage 1
A_DLL="$1"
B_DLL="${2:-$1}"
for dll in "$A_DLL" "$B_DLL"; do [[ -f "$dll" ]] || { echo "bench-target3-rounds.sh: no such file $dll" >&2; exit 1; }; done
for tool in openssl taskset python3 dotnet; do
  command -v "$tool" >/dev/null || { echo "bench-target3-rounds.sh: $tool is required" >&2; exit 1; }
done
[[ "$ORDER" =~ ^[AB]+$ ]] || { echo "bench-target3-rounds.sh: --order is a string of A and B" >&2; exit 1; }

RESULTS="$(mktemp -d)"
NEIGHBOUR_PID=""
stop_neighbour() { if [[ -n "$NEIGHBOUR_PID" ]]; then kill "$NEIGHBOUR_PID" 2>/dev/null || true; wait "$NEIGHBOUR_PID" 2>/dev/null || true; NEIGHBOUR_PID=""; fi; }
cleanup() {
  stop_neighbour
  if [[ -n "$KEEP_RESULTS" ]]; then mkdir -p "$KEEP_RESULTS" && cp "$RESULTS"/* "$KEEP_RESULTS"/ 2>/dev/null || true; fi
  rm -rf "$RESULTS"
}
trap cleanup EXIT

head -1 /proc/stat > "$RESULTS/stat-0.txt"
for ((i = 0; i < ${#ORDER}; i++)); do
  build="${ORDER:$i:1}"
  n=$((i + 1))
  dll="$A_DLL"; [[ "$build" == B ]] && dll="$B_DLL"
  cat /proc/loadavg > "$RESULTS/load-$n.txt"
  head -1 /proc/stat > "$RESULTS/stat-$n.txt"
  # OpenSSL 3 prints "rsa 2048 bits 0.000377s 0.000011s   2650.3  88000.1" (sign, verify, sign/s, verify/s).
  taskset -c 0 openssl speed -seconds 3 rsa2048 2>/dev/null | awk '/^rsa 2048 bits/ {print $6}' > "$RESULTS/openssl-$n.txt"
  echo "[bench-target3-rounds.sh] run $n ($build): smime bench protect --message $MESSAGE --seconds $SECONDS_MEASURED --warmup $WARMUP (cpu 0), load $(cut -d' ' -f1-3 "$RESULTS/load-$n.txt")" >&2
  if [[ "$build" == B && -n "$B_NEIGHBOUR" ]]; then
    taskset -c "$B_NEIGHBOUR" python3 -c 'b = bytearray(64 << 20)
while True:
    c = bytes(b)' &
    NEIGHBOUR_PID=$!
  fi
  DOTNET_GCLOHThreshold=0x14C08 taskset -c 0 dotnet "$dll" bench protect --message "$MESSAGE" --key rsa2048 \
    --seconds "$SECONDS_MEASURED" --warmup "$WARMUP" --json > "$RESULTS/run-$n-$build.json"
  stop_neighbour
done
head -1 /proc/stat > "$RESULTS/stat-end.txt"

python3 - "$RESULTS" "$ORDER" <<'PY'
import json, statistics, sys
results, order = sys.argv[1], sys.argv[2]

def stat(name):
    f = [int(x) for x in open(f"{results}/stat-{name}.txt").read().split()[1:]]
    return sum(f), f[3] + f[4], f[7]  # total, idle + iowait, steal

rows = []
for i, build in enumerate(order, 1):
    report = json.load(open(f"{results}/run-{i}-{build}.json"))["results"][0]
    t0, idle0, steal0 = stat(i)
    t1, idle1, steal1 = stat(i + 1 if i < len(order) else "end")
    paired, cpu = report.get("pairedOwnWork") or {}, report.get("ownWorkByCpuTime") or {}
    rows.append({"run": i, "build": build, "load": float(open(f"{results}/load-{i}.txt").read().split()[0]),
                 "openssl": float(open(f"{results}/openssl-{i}.txt").read().strip() or "nan"),
                 "busy": 1 - (idle1 - idle0) / max(t1 - t0, 1), "steal": (steal1 - steal0) / max(t1 - t0, 1),
                 "floor": report["cryptoFloor"]["microseconds"], "seqShare": report["microsecondsPerMessage"] / report["cryptoFloor"]["microseconds"] - 1,
                 "pairedFloor": paired.get("floorMicroseconds"), "paired": paired.get("ownShare"),
                 "pairedRange": (paired.get("ownShareMin"), paired.get("ownShareMax")),
                 "cpu": cpu.get("ownShare"), "cpuFloor": cpu.get("floorMicroseconds"), "cpuOwn": cpu.get("ownMicroseconds"),
                 "basis": cpu.get("basis"), "clean": cpu.get("cleanPairs"), "pairs": cpu.get("pairs"),
                 "groups": (cpu.get("ownShareLow"), cpu.get("ownShareHigh")), "allCpu": cpu.get("allPairsCpuShare"),
                 "allWall": cpu.get("allPairsWallShare"), "slowOwn": cpu.get("protectDescheduledSlowdown"),
                 "slowFloor": cpu.get("floorDescheduledSlowdown"), "others": cpu.get("otherThreadsShare"),
                 "protectFirst": cpu.get("protectFirstCpuShare"), "floorFirst": cpu.get("floorFirstCpuShare"),
                 "zero": cpu.get("zeroDescheduleShare"), "fast": cpu.get("fastFloorShare"), "fastPairs": cpu.get("fastFloorPairs"),
                 "settle": cpu.get("jitSettleSeconds"), "jit": cpu.get("jitMethodsCompiled")})

fmt = lambda v, f="{:.3f}": "-" if v is None else f.format(v)
print(f"{'run':<4} {'build':<5} {'load':>5} {'busy':>5} {'steal':>5} {'openssl/s':>9} {'floor us':>8} {'seq':>6} {'paired fl':>9} {'paired':>6} "
      f"{'(pairs)':>13} {'cpu fl':>7} {'cpu own':>7} {'by cpu':>6} {'basis':>5} {'clean':>6} {'(groups)':>13} {'all cpu':>7} {'all wall':>8} {'desch own':>9} {'desch fl':>8} {'others':>6} {'P first':>7} {'F first':>7} {'0 desch':>7} {'fast fl':>7} {'(pairs)':>7} {'settle':>6} {'jit':>5}")
for r in rows:
    print(f"{r['run']:<4} {r['build']:<5} {r['load']:>5.1f} {r['busy']:>5.0%} {r['steal']:>5.1%} {r['openssl']:>9.1f} {r['floor']:>8.1f} {r['seqShare']:>6.3f} "
          f"{fmt(r['pairedFloor'], '{:.1f}'):>9} {fmt(r['paired']):>6} {fmt(r['pairedRange'][0]) + '-' + fmt(r['pairedRange'][1]):>13} "
          f"{fmt(r['cpuFloor'], '{:.1f}'):>7} {fmt(r['cpuOwn'], '{:.1f}'):>7} {fmt(r['cpu']):>6} {r['basis'] or '-':>5} "
          f"{(str(r['clean']) + '/' + str(r['pairs'])) if r['pairs'] else '-':>6} {fmt(r['groups'][0]) + '-' + fmt(r['groups'][1]):>13} "
          f"{fmt(r['allCpu']):>7} {fmt(r['allWall']):>8} {fmt(r['slowOwn']):>9} {fmt(r['slowFloor']):>8} {fmt(r['others'], '{:.4f}'):>6} "
          f"{fmt(r['protectFirst']):>7} {fmt(r['floorFirst']):>7} {fmt(r['zero']):>7} {fmt(r['fast']):>7} {fmt(r['fastPairs'], '{}'):>7} {fmt(r['settle'], '{:.1f}'):>6} {fmt(r['jit'], '{}'):>5}")
print("(busy / steal: the machine's busy and steal share from this run's start to the next's; seq: own / floor from the throughput run and the "
      "floor timed after it; paired: wall-clock pairs of 400 ms, median (range over pairs); by cpu: thread CPU time over pairs of 50 ms, "
      "on the clean ones (neither slice descheduled) when a quarter or more were, else on all; groups: the basis in 5 consecutive groups; "
      "desch: a protect's / a floor's CPU time in descheduled slices / in clean ones; others: the process's other threads' CPU / the protecting thread's; "
      "P first / F first: all pairs by cpu, those that ran the protect slice first / the floor slice first; "
      "0 desch: each kind's CPU per message extrapolated to no deschedule; fast fl: by cpu over the pairs whose floor slice ran within 5 % of the run's fastest; settle: s the pairs waited for the JIT to go quiet; jit: methods compiled during the pairs)")
for build in sorted(set(order)):
    mine = [r for r in rows if r["build"] == build]
    for key, label in (("floor", "floor after the run, us"), ("pairedFloor", "paired floor, us"), ("cpuFloor", "floor by cpu, us"),
                       ("seqShare", "sequential share"), ("paired", "paired share (wall clock)"), ("cpu", "share by thread cpu"),
                       ("allCpu", "all pairs by cpu"), ("allWall", "all pairs by wall clock"), ("zero", "extrapolated to no deschedule"), ("fast", "pairs with a full-speed floor")):
        values = [r[key] for r in mine if r.get(key) is not None]
        if label and values:
            print(f"  {build}: {label:<28} median {statistics.median(values):8.3f}, spread {min(values):.3f}-{max(values):.3f} "
                  f"(max/min {max(values) / min(values):.2f}) over {len(values)} runs")
pairs = [(rows[i], rows[i + 1]) for i in range(len(rows) - 1) if {rows[i]["build"], rows[i + 1]["build"]} == {"A", "B"}]
if pairs and any(r["build"] == "B" for r in rows) and order.count("A") and order.count("B"):
    for key, label in (("floor", "floor after the run"), ("pairedFloor", "paired floor")):
        ratios = []
        for x, y in pairs:
            a, b = (x, y) if x["build"] == "A" else (y, x)
            if a.get(key) and b.get(key):
                ratios.append(b[key] / a[key])
        if ratios:
            print(f"  B / A, {label}, adjacent pairs: " + ", ".join(f"{v:.3f}" for v in ratios) + f"; median {statistics.median(ratios):.3f}")
PY
