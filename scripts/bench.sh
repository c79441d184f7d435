#!/usr/bin/env bash
# The reference benchmark: the protect stage (issue 6) and the pipeline end to end (issue 17). Not part of CI:
# benchmarks are not timed tests.
#
#   scripts/bench.sh [--seconds S] [--warmup S] [--repeat N] [--baseline] [--rabbitmq URI [--broker-pid PID]]
#                    [--messages N] [--paced-messages N] [--target2-rounds N] [--target2-inline] [--no-pipeline]
#                    [--keep-results DIR]
#
# Builds Release, measures `openssl speed rsa2048` and `smime bench protect` on the same core in the same run (target 3 also
# as a two-core worker runs it: `own-cpu`, server GC, process CPU),
# then `smime bench pipeline` through RabbitMQ: flat out (target 1; then `smime bench guarantees` flat out with the same mail
# count, the guarantees alone with no crypto and no MassTransit: target 1's guarantees ceiling), paced at half that rate with and without
# every 10th mail ≈1.5 MB (target 2: --target2-rounds alternating rounds, default 3, verdict on the p99 of all rounds' small
# mails mixed against that of all rounds' small mails alone, the median of the rounds' ratios beside it), and
# with the broker pinned to core 1 and smime to core 0: flat out (a closed loop of 64 mails, --backlog) with each
# role's CPU per mail measured apart, then paced at 25/50/75 % of that rate, then the pinned broker's confirm latency
# (target 4: the capacity model, scripts/capacity_model.py, takes every term from the paced runs and the idle broker's
# load and predicts the flat-out one: min of the cores' CPU and the windows' Little's-law bounds). Prints every figure with its target, its
# ceiling and PASS/FAIL. Without --rabbitmq it starts a private RabbitMQ node through `scripts/test.sh
# --services-only` (stopped on exit); with --rabbitmq, --broker-pid names that broker's beam.smp process (on
# this machine) for its CPU per mail and the pinned run, which is skipped without it.
# Other processes on the machine add noise: compare ratios within one run, use --repeat for the spread.
# --keep-results DIR keeps every run's JSON report there (target 4's model: python3 scripts/capacity_model.py
# DIR/pinned-1.json DIR/pinned-paced25-1.json DIR/pinned-paced50-1.json DIR/pinned-paced75-1.json --idle DIR/pinned-idle-1.json).
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SECONDS_MEASURED=10
WARMUP=20
REPEAT=1
BASELINE=""
RABBITMQ=""
BROKER_PID=""
MESSAGES=4000
PACED_MESSAGES=1500
PIPELINE=1
KEEP_RESULTS=""
PIPELINE_WARMUP=1500  # P1's profile: after 300 warm-up mails a fifth of the process CPU was still the JIT
PINNED_PACED_SECONDS=15  # target 4's paced pinned runs: mails = rate x this (at least 300)
PINNED_IDLE_SECONDS=10  # target 4: the pinned broker's idle load, the intercept of its CPU line
# Target 4's flat-out run is closed-loop: at most this many mails between publish and file (bench pipeline --backlog), so
# that every window can fill (the signer's 16 per core, the sender's 10) while the protect queue stays short. Open loop,
# the producer put 10 s of mails in the queue and held 26 publishes in flight: waits 4-5x the paced runs' at the same
# CPU load, a state no paced run describes (README "Capacity model", session 9).
PINNED_BACKLOG=64
T2_ROUNDS=3  # target 2: rounds of alone + mixed (one run per variant decided nothing: the denominator moved 23-277 ms)
T2_CLAIM=1  # target 2 with the producer claim check when a PostgreSQL is at hand (docs/performance-log.md "Issue 17, session 9: the quiet run after this round's changes")

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit "${1:-0}"; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    --seconds) SECONDS_MEASURED="$2"; shift 2 ;;
    --warmup) WARMUP="$2"; shift 2 ;;
    --repeat) REPEAT="$2"; shift 2 ;;
    --baseline) BASELINE=1; shift ;;
    --rabbitmq) RABBITMQ="$2"; shift 2 ;;
    --broker-pid) BROKER_PID="$2"; shift 2 ;;
    --messages) MESSAGES="$2"; shift 2 ;;
    --paced-messages) PACED_MESSAGES="$2"; shift 2 ;;
    --target2-rounds) T2_ROUNDS="$2"; shift 2 ;;
    --target2-inline) T2_CLAIM=""; shift ;;
    --no-pipeline) PIPELINE=""; shift ;;
    --keep-results) KEEP_RESULTS="$2"; shift 2 ;;
    -h|--help) usage 0 ;;
    *) echo "bench.sh: unknown argument $1" >&2; usage 1 ;;
  esac
done

for tool in openssl taskset python3 dotnet; do
  command -v "$tool" >/dev/null || { echo "bench.sh: $tool is required" >&2; exit 1; }
done

echo "[bench.sh] building Release" >&2
dotnet build "$REPO_ROOT/src/SmimePipeline.Cli/SmimePipeline.Cli.csproj" -c Release -nologo -v quiet >&2
SMIME_DLL="$REPO_ROOT/src/SmimePipeline.Cli/bin/Release/net10.0/smime.dll"
# Target 3 as a two-core worker runs it (server GC with DATAS), timed in process CPU: tests/SmimePipeline.Benchmarks' own-cpu.
dotnet build "$REPO_ROOT/tests/SmimePipeline.Benchmarks/SmimePipeline.Benchmarks.csproj" -c Release -nologo -v quiet >&2
BENCH_DLL="$REPO_ROOT/tests/SmimePipeline.Benchmarks/bin/Release/net10.0/SmimePipeline.Benchmarks.dll"

RESULTS="$(mktemp -d)"
# Every pipeline and guarantees run leaves its pickup files and ledger here (--work-dir), deleted when bench.sh ends
# (session 16): a run that deleted its thousands of files at its end made the next run's file creations scan past them
# on ext4 without a journal (this host's file system skips inodes freed in the last 1-6 minutes), up to a third of that
# run's process CPU. Several GB at the end of a full run.
BENCH_FILES="$(mktemp -d)"
SERVICES_PID=""
# A private RabbitMQ node (with test.sh's PostgreSQL and smtp-sink beside it, idle) on free loopback ports, when no
# --rabbitmq is given (start_private_broker, stop_private_broker).
# shellcheck source=scripts/private-broker.sh
source "$REPO_ROOT/scripts/private-broker.sh"
BROKER_CPUS=""
cleanup() {
  # Give the broker its cores back if it is not ours, stop our private services (test.sh's own trap stops them).
  if [[ -n "$BROKER_CPUS" && -n "$BROKER_PID" ]]; then taskset -a -cp "$BROKER_CPUS" "$BROKER_PID" >/dev/null 2>&1 || true; fi
  stop_private_broker
  if [[ -n "$KEEP_RESULTS" ]]; then mkdir -p "$KEEP_RESULTS" && cp "$RESULTS"/*.json "$RESULTS"/*.txt "$KEEP_RESULTS"/ 2>/dev/null || true; fi
  rm -rf "$RESULTS" "$BENCH_FILES"
}
trap cleanup EXIT

if [[ -n "$PIPELINE" && -z "$RABBITMQ" ]]; then
  start_private_broker "$RESULTS" bench.sh
fi
if [[ -n "$BROKER_PID" ]]; then
  [[ -r "/proc/$BROKER_PID/stat" ]] || { echo "bench.sh: --broker-pid $BROKER_PID: no such process" >&2; exit 1; }
  BROKER_CPUS="$(taskset -cp "$BROKER_PID" | awk -F': ' '{print $2}')"
fi
BROKER_ARGS=()
[[ -n "$BROKER_PID" ]] && BROKER_ARGS=(--broker-pid "$BROKER_PID")
# Target 2 uses the producer claim check when a PostgreSQL is at hand ($SMIME_TEST_POSTGRES, the private services'):
# with small mails first in the protect slots (session 9), the 1.5 MB bodies in the quorum queue became the tail
# (small mails' publish -> confirm p99 729-1,389 ms inline, 121-274 ms by claim; docs/performance-log.md "Issue 17, session 9: the quiet run after this round's changes").
# --target2-inline sends everything inline, to compare.
CLAIM_ARGS=()
[[ -n "$T2_CLAIM" && -n "${SMIME_TEST_POSTGRES:-}" ]] && CLAIM_ARGS=(--postgres "$SMIME_TEST_POSTGRES")

# pipeline NAME [taskset CPUS] ARGS...: one `smime bench pipeline --json` run on the broker.
pipeline() {
  local name="$1"; shift
  local pin=()
  if [[ "$1" == "--cpus" ]]; then pin=(taskset -c "$2"); shift 2; fi
  # The connection string holds the private PostgreSQL's password: never echoed.
  echo "[bench.sh] $name: smime bench pipeline $(sed -E 's/Password=[^; ]*/Password=***/g' <<<"$*") ${pin[*]:+(${pin[*]})}" >&2
  # smime's runtimeconfig carries the worker's runtime settings (PipelineRuntime.props, imported by both programs):
  # nothing is exported here. A DOTNET_ variable in the caller's environment would override them; the bench says so
  # on stderr and in its JSON ("runtime": {"matchesWorker": false}), and this warns below.
  "${pin[@]}" dotnet "$SMIME_DLL" bench pipeline --rabbitmq "$RABBITMQ" --message standard \
    --warmup "$PIPELINE_WARMUP" "${BROKER_ARGS[@]}" --work-dir "$BENCH_FILES" --json "$@" > "$RESULTS/$name.json"
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1])).get("runtime") or {}; sys.exit(0 if r.get("matchesWorker") else 1)' "$RESULTS/$name.json" \
    || echo "[bench.sh] WARNING: $name ran with runtime settings that differ from the worker's (see its stderr above): its figures are not the worker's" >&2
}

# guarantees NAME ARGS...: one `smime bench guarantees --json` run on the broker (the guarantees alone: RabbitMQ.Client,
# quorum queue, confirms, manual acks, ledger, fsync'd pickup file, two events, one trace per mail; no crypto, no MassTransit).
guarantees() {
  local name="$1"; shift
  echo "[bench.sh] $name: smime bench guarantees $*" >&2
  dotnet "$SMIME_DLL" bench guarantees --rabbitmq "$RABBITMQ" --message standard --warmup "$PIPELINE_WARMUP" "${BROKER_ARGS[@]}" --work-dir "$BENCH_FILES" --json "$@" > "$RESULTS/$name.json"
}

# rate_of NAME: half the msg/s of a pipeline run (target 2 paces at half the measured maximum).
half_rate_of() { python3 -c 'import json,sys; print(round(json.load(open(sys.argv[1]))["messagesPerSecond"] / 2, 1))' "$RESULTS/$1.json"; }

# protect NAME CPUS ARGS...: one `smime bench protect --json` run pinned to CPUS.
protect() {
  local name="$1" cpus="$2"; shift 2
  echo "[bench.sh] $name: smime bench protect $* (cpus $cpus)" >&2
  # The protect stage alone, with the runtime's default large-object threshold (85,000 B) rather than the pipeline's
  # 1 MB (PipelineRuntime.props): its LOH column then shows any array of 85 KB or more the stage allocates.
  DOTNET_GCLOHThreshold=0x14C08 taskset -c "$cpus" dotnet "$SMIME_DLL" bench protect --seconds "$SECONDS_MEASURED" --warmup "$WARMUP" --json "$@" > "$RESULTS/$name.json"
}

# own_cpu NAME MESSAGE: target 3 in the configuration a signer with two or more CPUs runs: both cores, server GC with
# DATAS (the worker's default; `bench protect` pinned to one core gets the workstation GC, as a one-CPU signer does),
# own work and floor in alternating slices charged the CPU time of every thread of the process, GC threads included
# (OwnWorkCpu: on two cores a wall clock would not see the server GC's second thread).
own_cpu() {
  echo "[bench.sh] $1: SmimePipeline.Benchmarks own-cpu $2 20 $WARMUP (cpus 0,1, DOTNET_gcServer=1)" >&2
  DOTNET_gcServer=1 taskset -c 0,1 dotnet "$BENCH_DLL" own-cpu "$2" 20 "$WARMUP" > "$RESULTS/$1.json"
}

for round in $(seq 1 "$REPEAT"); do
  echo "[bench.sh] round $round/$REPEAT: openssl speed -seconds 5 rsa2048 on cpu 0" >&2
  # OpenSSL 3 prints: "rsa 2048 bits 0.000377s 0.000011s   2650.3  88000.1" (sign, verify, sign/s, verify/s).
  taskset -c 0 openssl speed -seconds 5 rsa2048 2>/dev/null | awk '/^rsa 2048 bits/ {print $6}' > "$RESULTS/openssl-$round.txt"
  # Target 3's threads: the machine's RSA on both cores at once (two processes, sign/s summed), printed beside the ratio.
  # -multi's rates follow the wall clock whatever the divisor (docs/performance-log.md "Issue 17, session 13: two threads"): read it on a quiet machine.
  echo "[bench.sh] round $round/$REPEAT: openssl speed -multi 2 -seconds 5 rsa2048 on cpus 0,1" >&2
  taskset -c 0,1 openssl speed -multi 2 -seconds 5 rsa2048 2>/dev/null | awk '/^rsa 2048 bits/ {print $6}' > "$RESULTS/openssl-multi-$round.txt"
  protect "standard-rsa2048-$round" 0 --message standard --key rsa2048
  protect "small-rsa2048-$round" 0 --message small --key rsa2048
  protect "standard-p256-$round" 0 --message standard --key p256
  protect "small-p256-$round" 0 --message small --key p256
  protect "standard-rsa2048-1t-$round" 0,1 --message standard --key rsa2048 --threads 1
  protect "standard-rsa2048-2t-$round" 0,1 --message standard --key rsa2048 --threads 2
  own_cpu "worker-gc-standard-$round" standard
  own_cpu "worker-gc-small-$round" small
  if [[ -n "$BASELINE" ]]; then
    protect "baseline-$round" 0 --message standard --key rsa2048 --baseline mimekit
  fi
  if [[ -n "$PIPELINE" ]]; then
    # Target 1: flat out, every core shared (the broker on whichever core is free).
    pipeline "pipeline-$round" --messages "$MESSAGES"
    # Target 1's guarantees ceiling (session 15): the guarantees alone, same broker, same mail count and warm-up, flat out.
    guarantees "guarantees-$round" --messages "$MESSAGES"
    # Target 2: paced at half that rate, standard mails alone and with every 10th mail ≈1.5 MB, in T2_ROUNDS rounds whose
    # order alternates (the first run of a round tends to be the cheapest); the verdict is on the median of the ratios.
    rate="$(half_rate_of "pipeline-$round")"
    for t2 in $(seq 1 "$T2_ROUNDS"); do
      if (( t2 % 2 )); then order=(paced mixed); else order=(mixed paced); fi
      for variant in "${order[@]}"; do
        large=()
        [[ "$variant" == mixed ]] && large=(--large-every 10)
        pipeline "$variant-$round-$t2" --messages "$PACED_MESSAGES" --rate "$rate" "${large[@]}" "${CLAIM_ARGS[@]}"
      done
    done
    # Target 4: the broker alone on core 1, smime on core 0; then each role measured apart.
    if [[ -n "$BROKER_PID" && "$(nproc)" -ge 2 ]]; then
      if taskset -a -cp 1 "$BROKER_PID" >/dev/null 2>&1; then
        pipeline "pinned-$round" --cpus 0 --messages "$MESSAGES" --roles --backlog "$PINNED_BACKLOG"
        # The capacity model's terms: the same pinned set-up, all roles together, paced at a quarter, half and three
        # quarters of that rate (the flat-out rate only places the points below the maximum; the model's terms come
        # from these runs: the pipeline's load on each core per mail and its background, each window's residence as it fills).
        pinned_rate="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["messagesPerSecond"])' "$RESULTS/pinned-$round.json")"
        # The broker's line goes through its idle load (session 14): the pinned broker's CPU and core 1's interrupts with no
        # mails flowing, after 5 s for the flat-out run's quorum-queue writes to settle. Three paced points alone fitted a
        # negative cost per mail in session 13's quiet run.
        echo "[bench.sh] pinned-idle-$round: the pinned broker with no mails flowing, ${PINNED_IDLE_SECONDS} s" >&2
        sleep 5
        python3 "$REPO_ROOT/scripts/capacity_model.py" --measure-idle "$BROKER_PID" "$PINNED_IDLE_SECONDS" > "$RESULTS/pinned-idle-$round.json"
        for share in 25 50 75; do
          read -r rate count < <(python3 -c 'import sys; r = float(sys.argv[1]) * int(sys.argv[2]) / 100; print(round(r, 1), max(300, round(r * int(sys.argv[3]))))' \
            "$pinned_rate" "$share" "$PINNED_PACED_SECONDS")
          pipeline "pinned-paced$share-$round" --cpus 0 --messages "$count" --rate "$rate"
        done
        # The broker's confirm latency on the same pinned core, nothing else flowing: one 55 KB publish at a time
        # (its floor: quorum commit, the write-ahead log's fsync) and 16 at a time (the signer's window), quorum queue.
        echo "[bench.sh] confirm-$round: smime bench confirm (taskset -c 0)" >&2
        taskset -c 0 dotnet "$SMIME_DLL" bench confirm --rabbitmq "$RABBITMQ" --client rabbitmq-client --in-flight 1,16 \
          --seconds 3 --warmup 1 "${BROKER_ARGS[@]}" --json > "$RESULTS/confirm-$round.json"
        taskset -a -cp "$BROKER_CPUS" "$BROKER_PID" >/dev/null
      else
        echo "[bench.sh] cannot pin beam.smp ($BROKER_PID) to core 1 (another user's process? run as root or as its user): target 4 skipped" >&2
      fi
    fi
  fi
done

python3 - "$RESULTS" "$REPEAT" "$REPO_ROOT/scripts" "$T2_ROUNDS" <<'PY'
import json, math, sys, statistics
results, repeat = sys.argv[1], int(sys.argv[2])
t2_rounds = int(sys.argv[4])
sys.path.insert(0, sys.argv[3])
import capacity_model  # scripts/capacity_model.py: target 4's model, also usable on saved reports

def load(name):
    try:
        with open(f"{results}/{name}.json") as f:
            return json.load(f)
    except FileNotFoundError:
        return None

def nearest_rank(sorted_values, fraction):
    """The value below which fraction of sorted_values lie (nearest rank, as bench pipeline's own percentiles)."""
    return sorted_values[min(len(sorted_values) - 1, max(0, math.ceil(len(sorted_values) * fraction) - 1))]

def cpu_split(run):
    """A run's CPU per mail in ms: machine = smime + RabbitMQ + PostgreSQL (claim check, when on this machine) + rest."""
    parts = [("smime", run.get("processCpuMillisecondsPerMail")), ("RabbitMQ", run.get("brokerCpuMillisecondsPerMail")),
             ("PostgreSQL", run.get("postgresCpuMillisecondsPerMail"))]
    known = " + ".join(f"{v:.2f} {k}" for k, v in parts if v is not None)
    machine = run.get("machineCpuMillisecondsPerMail")
    return f"{machine:.2f} = {known} + {machine - sum(v for _, v in parts if v is not None):.2f} rest" if machine else known

def ours(name):
    report = load(name)
    return report and report["results"][0]

checks = []

def check(issue, name, value, target, shown=None, ceiling=None, at_most=False, note=None):
    """Passes when value >= target (or <= with at_most); shown is what is printed (default value); ceiling is the
    best value any implementation could reach here (from the crypto floor or the CPU outside our process); note is
    printed after it (target 1: the guarantees ceiling)."""
    checks.append({"issue": issue, "name": name, "value": value, "target": target, "at_most": at_most,
                   "shown": value if shown is None else shown, "ceiling": ceiling, "note": note})

def guarantees_ceiling(run, floor_ms):
    """Target 1's guarantees ceiling (session 15): (the guarantees-only pipeline's whole-machine CPU per mail + the crypto
    floor) / the floor, i.e. what target 1 would measure if our process did the guarantees as cheaply as plain
    RabbitMQ.Client, SQLite and file calls do and nothing else but the floor. None without the run or /proc/stat."""
    if not run or not run.get("machineCpuMillisecondsPerMail"):
        return None
    return (run["machineCpuMillisecondsPerMail"] + floor_ms) / floor_ms

def floor_us(x):
    """The run's crypto floor in microseconds per message (bench protect measures it for every run of ours)."""
    return x["cryptoFloor"]["microseconds"]

def own_share(x):
    return (x["microsecondsPerMessage"] - floor_us(x)) / floor_us(x)

def paired_share(x):
    """Own work / floor timed in alternating wall-clock protect and floor slices (PairedOwnWork, target 3's figure up to
    session 13, printed beside for continuity); the sequential figure if absent."""
    p = x.get("pairedOwnWork")
    return p["ownShare"] if p else own_share(x)

def cpu_share(x):
    """Target 3's pinned figure since session 14: own work / floor by the thread's CPU time in short alternating slices,
    pooled over the pairs no deschedule touched (OwnWorkByCpuTime); the wall-clock pairs' figure from an older smime."""
    c = x.get("ownWorkByCpuTime")
    return c["ownShare"] if c else paired_share(x)

STAGES = [("publish", "publish -> confirm"), ("signerQueue", "signer queue"), ("signerWait", "signer wait (slot)"),
          ("protect", "protect"), ("handOver", "hand-over -> confirm"), ("senderQueue", "sender queue"),
          ("delivery", "delivery (ESP answer)"), ("total", "total, publish -> file"),
          ("signerAfterHandOver", "signer after hand-over *"), ("senderAfterAnswer", "sender after answer *")]

def print_stages(label, runs):
    """Where the standard mails of each run spent their time (bench pipeline's `stages`), p50 / p99 in ms, side by side,
    and how full each bounded place was on average (Little's law) against its limit."""
    runs = [(name, run) for name, run in runs if run and run.get("stages")]
    if not runs:
        return
    print(f"    {label}, standard mails, ms p50 / p99:")
    print("      " + f"{'stage':<26}" + "".join(f"{name:>22}" for name, _ in runs))
    for key, text in STAGES:
        cells = []
        for _, run in runs:
            x = run["stages"].get(key)
            cells.append(f"{x['p50Milliseconds']:>9.1f} / {x['p99Milliseconds']:<8.1f}" if x else f"{'-':>20}")
        print(f"      {text:<26}" + "".join(f"{c:>22}" for c in cells))
    print("      * not on the mail's path: it holds an in-flight place (the EmailProtected / EmailDelivered publish and its confirm)")
    for name, run in runs:
        occupancy = run["stages"].get("occupancy") or {}
        if occupancy:
            print(f"      {name}: mails inside on average / limit: " + ", ".join(f"{k} {v['average']:.1f}/{v['limit']}" for k, v in occupancy.items()))

for r in range(1, repeat + 1):
    openssl = float(open(f"{results}/openssl-{r}.txt").read().strip() or 0)
    if openssl <= 0:
        sys.exit("bench.sh: could not read RSA-2048 sign/s from openssl speed")
    std, small = ours(f"standard-rsa2048-{r}"), ours(f"small-rsa2048-{r}")
    std_ec, small_ec = ours(f"standard-p256-{r}"), ours(f"small-p256-{r}")
    one, two = ours(f"standard-rsa2048-1t-{r}"), ours(f"standard-rsa2048-2t-{r}")
    print(f"\nround {r}: openssl speed rsa2048 on cpu 0: {openssl:.1f} sign/s")
    print("  floor = the cryptography one message needs (sign, digest, AES, key transports), timed in the same process on the same core")
    print(f"  {'run':<32} {'msg/s':>9} {'x openssl':>10} {'us/msg':>8} {'floor us':>9} {'own us':>7} {'own/fl':>7} {'paired':>7} {'by cpu':>7} {'input':>8} {'output':>8} {'alloc/msg':>10} {'alloc/out':>9} {'LOH/msg':>8}")
    for label, x in [("standard rsa2048 1 core", std), ("small rsa2048 1 core", small),
                     ("standard p256 1 core", std_ec), ("small p256 1 core", small_ec),
                     ("standard rsa2048 2 cores 1 thr", one), ("standard rsa2048 2 cores 2 thr", two)]:
        floor = floor_us(x)
        print(f"  {label:<32} {x['messagesPerSecond']:>9.1f} {x['messagesPerSecond']/openssl:>10.2f} {x['microsecondsPerMessage']:>8.1f} {floor:>9.1f} {x['microsecondsPerMessage'] - floor:>7.1f} {own_share(x):>7.2f} {paired_share(x):>7.2f} {cpu_share(x):>7.2f} {x['inputBytes']:>8} {x['outputBytes']:>8} {x['allocatedBytesPerMessage']:>10.0f} {x['allocationPerOutputByte']:>9.2f} {x['largeObjectHeapBytesPerMessage']:>8.0f}")
    check(6, "standard RSA-2048 >= 0.6x openssl sign/s", std["messagesPerSecond"] / openssl, 0.6, ceiling=1e6 / floor_us(std) / openssl)
    check(6, "small RSA-2048 >= 0.8x openssl sign/s", small["messagesPerSecond"] / openssl, 0.8, ceiling=1e6 / floor_us(small) / openssl)
    # With the same own work w per message, (floor_rsa + w) / (floor_p256 + w) falls as w grows: its best is at w = 0.
    check(6, "standard P-256 >= 3x standard RSA-2048", std_ec["messagesPerSecond"] / std["messagesPerSecond"], 3.0,
          ceiling=floor_us(std) / floor_us(std_ec))
    # A message that allocated on the LOH would show >= 85,000 B/msg. A few bytes per message on average
    # are ArrayPool refills after the runtime trimmed the pool (it does so on full collections).
    check(6, "standard (< 1 MB): no LOH allocation per message (B/msg < 850)", 1.0 if std["largeObjectHeapBytesPerMessage"] < 850 else 0.0, 1.0, shown=std["largeObjectHeapBytesPerMessage"])
    # Issue 17, target 3: the protect stage, stated against the crypto floor (zero own work is the ceiling), in both
    # configurations a signer runs: one CPU (pinned here: the runtime falls back to the workstation GC, and the GC's whole
    # cost lands on the mail's core) and two or more (server GC with DATAS, the worker's default, timed in process CPU so
    # that the GC's second thread counts). The verdict takes the worse of the two: the target is to hold in both, and
    # taking the better one would let the configuration decide the verdict.
    worker = {m: load(f"worker-gc-{m}-{r}") for m in ("standard", "small")}
    print("  target 3, own work / crypto floor: pinned = 1 core, workstation GC, the thread's CPU time in 80 pairs of 50 ms, "
          "pooled over the pairs no deschedule touched (bench protect; wall-clock pairs of 400 ms, the figure up to session 13, beside); "
          "worker GC = 2 cores, server GC + DATAS, process-CPU pairs (own-cpu)")
    for label, x in [("standard", std), ("small", small)]:
        w = worker[label]
        c = x.get("ownWorkByCpuTime")
        line = f"    {label:<9} pinned {cpu_share(x):.3f}"
        if c:
            line += (f" ({c['ownMicroseconds']:.0f} of {c['floorMicroseconds']:.0f} us CPU, on {c['basis']} pairs: {c['cleanPairs']}/{c['pairs']} not descheduled, "
                     f"groups {c['ownShareLow']:.3f}-{c['ownShareHigh']:.3f}; pairs with a full-speed floor {c.get('fastFloorShare', float('nan')):.3f}; "
                     f"{c.get('jitMethodsCompiled', '?')} methods JIT-compiled during the pairs; wall-clock pairs {paired_share(x):.3f})")
        if w:
            line += (f"\n    {'':<9} worker GC {w['ownShare']:.3f} ({w['ownCpuMicroseconds']:.0f} of {w['floorCpuMicroseconds']:.0f} us CPU, "
                     f"IQR {w['ownP25']:.0f}-{w['ownP75']:.0f} us; {w['gen0Per1000Mails']:.1f} gen-0 per 1,000 mails, "
                     f"{w['pauseMicrosecondsPerMail']:.1f} us paused per mail, {w['allocatedBytesPerMail'] / 1024:.1f} KB per mail)")
        print(line)
    for label, x in [("standard", std), ("small", small)]:
        w = worker[label]
        shares = [cpu_share(x)] + ([w["ownShare"]] if w else [])
        check(17, f"3: {label}, own work <= 20% of the crypto floor (worse of pinned and worker GC)", max(shares), 0.20, ceiling=0.0, at_most=True)
    check(17, "3: standard, allocation <= 2x output size", std["allocationPerOutputByte"], 2.0, at_most=True)
    # The ceiling of the 2-thread ratio is the machine's own scaling of the cryptography, measured in the same two runs:
    # each times the crypto floor on its thread count right after ours (bench protect's floorThroughput). On this 2-vCPU
    # VM it measured 1.6-1.8x, not 2 (docs/performance-log.md "Issue 17, session 13: two threads"). openssl's two processes are printed beside it.
    fl1, fl2 = one.get("floorThroughput"), two.get("floorThroughput")
    machine = fl2["messagesPerSecond"] / fl1["messagesPerSecond"] if fl1 and fl2 else None
    ratio = two["messagesPerSecond"] / one["messagesPerSecond"]
    multi = float(open(f"{results}/openssl-multi-{r}.txt").read().strip() or "nan")
    per_cpu = lambda x: (x.get("threadUse") or {}).get("messagesPerWorkerCpuSecond")
    print(f"  target 3, two threads: ours {ratio:.3f}x ({one['messagesPerSecond']:.1f} -> {two['messagesPerSecond']:.1f} msg/s); "
          + (f"the crypto floor on the same threads {machine:.3f}x ({fl1['messagesPerSecond']:.1f} -> {fl2['messagesPerSecond']:.1f}/s), "
             f"ours / the floor's {ratio / machine:.3f}; " if machine else "no floor on threads; ")
          + f"openssl rsa2048 2 processes / 1 {multi / openssl:.3f}x ({openssl:.1f} -> {multi:.1f} sign/s)")
    if per_cpu(one) and per_cpu(two):
        u1, u2 = one["threadUse"], two["threadUse"]
        print(f"    per thread CPU-second 2 / 1: ours {per_cpu(two) / per_cpu(one):.3f}"
              + (f", floor {per_cpu(fl2) / per_cpu(fl1):.3f}" if machine and per_cpu(fl1) and per_cpu(fl2) else "")
              + f"; threads on a CPU {u1['workerCpuPerSecond']:.2f} / {u2['workerCpuPerSecond']:.2f} s/s, waiting {u1['workerWaitPerSecond']:.2f} / {u2['workerWaitPerSecond']:.2f}, "
              f"process CPU {u1['processCpuPerSecond']:.2f} / {u2['processCpuPerSecond']:.2f} s/s")
    check(17, "3: two threads >= 1.8x one thread", ratio, 1.8, ceiling=machine)
    # Target 3's explanation travels with its figure: collections per mail and the gen-0 budget differ between machines.
    for label, x in [("standard", std), ("small", small)]:
        g = x.get("gc")
        if g:
            print(f"  GC during {label} rsa2048 1 core ({g['mode']}, {g['heaps']} heap(s)): {g['gen0Per1000Messages']:.1f} gen-0 per 1,000 mails, "
                  f"{g['pauseMicrosecondsPerMessage']:.1f} us paused per mail, gen-0 budget in effect {g['bytesPerGen0'] / 1024:.0f} KB")
    baseline = load(f"baseline-{r}")
    if baseline:
        mk = baseline["results"][1]
        print(f"  MimeKit default path, standard rsa2048 1 core: {mk['messagesPerSecond']:.1f} msg/s = {mk['messagesPerSecond']/openssl:.3f}x openssl; "
              f"ours {baseline['baselineRatio']:.1f}x MimeKit; MimeKit allocates {mk['allocatedBytesPerMessage']:.0f} B/msg")

    floor_ms = floor_us(std) / 1000
    pipeline = load(f"pipeline-{r}")
    if pipeline:
        print(f"\n  pipeline through RabbitMQ (quorum queues), standard, flat out: {pipeline['messagesPerSecond']:.1f} msg/s, p50 {pipeline['latencyP50Milliseconds']:.0f} ms, "
              f"p99 {pipeline['latencyP99Milliseconds']:.0f} ms, {pipeline['delivered']}/{pipeline['messages']} delivered")
        machine, ours_ms, broker = pipeline.get("machineCpuMillisecondsPerMail"), pipeline["processCpuMillisecondsPerMail"], pipeline.get("brokerCpuMillisecondsPerMail")
        if machine:
            cores = pipeline["processorCount"]
            elsewhere = machine - ours_ms
            split = f"{ours_ms:.2f} ms in the smime process"
            if broker is not None:
                split += f" + {broker:.2f} ms in RabbitMQ (beam.smp) + {elsewhere - broker:.2f} ms kernel threads and anything else running"
            else:
                split += f" + {elsewhere:.2f} ms elsewhere (RabbitMQ, kernel threads, anything else running)"
            print(f"  CPU per mail while mails flowed: {machine:.2f} ms on the whole machine = {split}; crypto floor {floor_ms:.3f} ms")
            # Even if our process did nothing but the crypto floor, what runs outside it stays.
            print(f"  at that cost {cores} cores carry at most {cores * 1000 / machine:.0f} msg/s; with nothing in our process but the crypto floor, at most {cores * 1000 / (elsewhere + floor_ms):.0f} msg/s")
            # The guarantees alone (smime bench guarantees, session 15): quorum queue, confirms, manual acks, ledger, fsync'd
            # pickup file, two confirmed events, one trace per mail, through RabbitMQ.Client with no MassTransit, no MIME and
            # no cryptography, flat out with the same mail count right after this run. Its whole-machine CPU per mail plus
            # the floor is what target 1 would measure if our process added nothing to the guarantees but the floor.
            guarantees = load(f"guarantees-{r}")
            g_ceiling = guarantees_ceiling(guarantees, floor_ms)
            note = None
            if g_ceiling is not None:
                g = guarantees
                g_machine, g_ours, g_broker = g["machineCpuMillisecondsPerMail"], g["processCpuMillisecondsPerMail"], g.get("brokerCpuMillisecondsPerMail")
                g_split = f"{g_ours:.2f} ms in its process" + (f" + {g_broker:.2f} ms in RabbitMQ + {g_machine - g_ours - g_broker:.2f} ms rest" if g_broker is not None else f" + {g_machine - g_ours:.2f} ms elsewhere")
                print(f"  guarantees only (smime bench guarantees, no crypto, no MassTransit): {g['messagesPerSecond']:.1f} msg/s, {g['delivered']}/{g['messages']} delivered once, "
                      f"{g_machine:.2f} ms per mail on the whole machine = {g_split}")
                verdict = "the 3.5x target lies above it (reachable in principle)" if 3.5 >= g_ceiling else "the 3.5x target lies BELOW it: not reachable on this machine with the guarantees kept"
                print(f"  guarantees ceiling = (guarantees CPU per mail + floor) / floor = ({g_machine:.3f} + {floor_ms:.3f}) / {floor_ms:.3f} = {g_ceiling:.2f}x; {verdict}")
                print(f"  of target 1's {machine / floor_ms:.2f}x: floor 1.00x, the guarantees {g_machine / floor_ms:.2f}x, the rest ours (MassTransit, MIME, our own work and what they cost the broker): {(machine - g_machine - floor_ms) / floor_ms:.2f}x"
                      + ("  (below 0: the two runs' rest of the machine differs, i.e. other processes ran; read the line below)" if machine - g_machine - floor_ms < 0 else ""))
                if g_broker is not None and broker is not None:
                    # Without the machine's rest (kernel threads, anything else running), which on a shared machine is mostly the neighbours.
                    print(f"  (process + RabbitMQ alone: product {(ours_ms + broker) / floor_ms:.2f}x the floor, guarantees ceiling {(g_ours + g_broker + floor_ms) / floor_ms:.2f}x)")
                note = f"guarantees ceiling {g_ceiling:.3f}" + ("  (target beyond it)" if g_ceiling > 3.5 else "")
            check(17, "1: whole-machine CPU per standard mail <= 3.5x crypto floor", machine / floor_ms, 3.5,
                  ceiling=(elsewhere + floor_ms) / floor_ms, at_most=True, note=note)
            if broker is not None:
                print(f"  (smime + RabbitMQ alone, without kernel threads and other processes: {(ours_ms + broker) / floor_ms:.2f}x the floor)")
        print_stages("where the time went, flat out", [("flat out", pipeline)])
        check(6, "end to end >= 0.4x two-thread protect rate", pipeline["messagesPerSecond"] / two["messagesPerSecond"], 0.4,
              ceiling=(pipeline["processorCount"] * 1000 / (machine - ours_ms + floor_ms)) / two["messagesPerSecond"] if machine else None)

    t2 = [(load(f"paced-{r}-{k}"), load(f"mixed-{r}-{k}")) for k in range(1, t2_rounds + 1)]
    t2 = [(k, paced, mixed) for k, (paced, mixed) in enumerate(t2, 1) if paced and mixed]
    if t2:
        first = t2[0][2]
        print(f"\n  target 2: paced at {first['publishRate']:.1f} msg/s (half the flat-out rate), {first['messages']} mails per run, "
              f"{len(t2)} rounds of alone + mixed, order alternating:")
        claims = first.get("producerClaimCheckThresholdBytes")
        print(f"    producer claim check: {'on, commands above ' + str(claims) + ' bytes of payload by claim (PostgreSQL)' if claims else 'off: commands inline (--target2-inline, or no PostgreSQL at hand)'}")
        print(f"    {'round':<6} {'alone p50 / p99 ms':>20} {'mixed small p50 / p99 ms':>26} {'large p50 / p99 ms':>20} {'ratio':>7}")
        ratios = []
        for k, paced, mixed in t2:
            ratio = mixed["latencyP99Milliseconds"] / max(paced["latencyP99Milliseconds"], 0.1)
            ratios.append(ratio)
            print(f"    {k:<6} {paced['latencyP50Milliseconds']:>9.1f} / {paced['latencyP99Milliseconds']:<8.1f} "
                  f"{mixed['latencyP50Milliseconds']:>13.1f} / {mixed['latencyP99Milliseconds']:<10.1f} "
                  f"{mixed['largeLatencyP50Milliseconds']:>9.0f} / {mixed['largeLatencyP99Milliseconds']:<8.0f} {ratio:>7.2f}")
            print(f"      CPU per mail, ms: alone {cpu_split(paced)}; mixed {cpu_split(mixed)}")
            # Whether the machine can carry the mix at this pace at all: the mixed run's CPU per mail (whole machine) times the
            # pace, against every core. Near or above 100 % every queue grows for the whole run and the p99 measures the run's
            # length, not where small mails wait (session 12: the in-process first delivery raised the flat-out rate, and half
            # of it with every 10th mail 1.5 MB asked 97-102 % of the two cores).
            demand = mixed["machineCpuMillisecondsPerMail"] * mixed["publishRate"] / (10 * mixed["processorCount"]) if mixed.get("publishRate") else None
            if demand is not None:
                kept = mixed["messagesPerSecond"] / mixed["publishRate"]
                print(f"      the mix at {mixed['publishRate']:.1f} msg/s asks {demand:.0f} % of the machine's CPU; the mixed run kept {kept:.0%} of its pace"
                      + ("  <- beyond what this machine carries at this pace: the ratio measures a growing backlog" if demand >= 90 or kept < 0.9 else ""))
            if mixed["delivered"] != mixed["messages"] or paced["delivered"] != paced["messages"]:
                print(f"      not all delivered: alone {paced['delivered']}/{paced['messages']}, mixed {mixed['delivered']}/{mixed['messages']}")
        median = statistics.median(ratios)
        print(f"    ratios {', '.join(f'{x:.2f}' for x in ratios)}: median {median:.2f}, spread {min(ratios):.2f}-{max(ratios):.2f}")
        # The verdict is on the pooled figure: the p99 of every round's small mails alone against the p99 of every round's
        # small mails mixed (bench pipeline's latenciesMilliseconds). One paced run has 15 mails in its top 1 %, so each
        # round's ratio divides one noisy tail by another (session 10: alone p99 283, 24 and 75 ms, ratios 1.75-22); pooled,
        # each side's p99 rests on every round's mails (45 in the top 1 % with 3 rounds), and a stall that hits one run
        # weighs by its share of the mails instead of deciding that round's ratio. The median of the ratios stays beside it.
        alone_all = sorted(x for _, paced, _ in t2 for x in paced.get("latenciesMilliseconds") or [])
        mixed_all = sorted(x for _, _, mixed in t2 for x in mixed.get("latenciesMilliseconds") or [])
        pooled = None
        if alone_all and mixed_all and all(p.get("latenciesMilliseconds") and m.get("latenciesMilliseconds") for _, p, m in t2):
            pa, pm = nearest_rank(alone_all, 0.99), nearest_rank(mixed_all, 0.99)
            pooled = pm / max(pa, 0.1)
            print(f"    pooled over the {len(t2)} rounds: small mails' p99 alone {pa:.1f} ms ({len(alone_all)} mails), mixed {pm:.1f} ms "
                  f"({len(mixed_all)} mails): ratio {pooled:.2f} (the verdict; median of the rounds' ratios {median:.2f} beside it)")
        else:
            print("    pooled figure not computed (a report without latenciesMilliseconds: an older smime); the verdict falls back to the median")
        print_stages("where the time went, paced (last round)", [("alone", t2[-1][1]), ("with 1.5 MB mails", t2[-1][2])])
        if pooled is not None:
            check(17, f"2: small mails' p99 with large ones <= 3x without (pooled over {len(ratios)} rounds)", pooled, 3.0,
                  ceiling=1.0, at_most=True)
        else:
            check(17, f"2: small mails' p99 with large ones <= 3x without (median of {len(ratios)})", median, 3.0,
                  ceiling=1.0, at_most=True)

    pinned = load(f"pinned-{r}")
    if pinned and pinned.get("roles"):
        roles = pinned["roles"]
        print(f"\n  broker pinned to core 1, smime to core 0: {pinned['messagesPerSecond']:.1f} msg/s flat out"
              f"{' (closed loop, at most ' + str(pinned['backlog']) + ' mails between publish and file)' if pinned.get('backlog') else ' (open loop)'}, "
              f"{pinned['processCpuMillisecondsPerMail']:.2f} ms/mail in smime, {pinned.get('brokerCpuMillisecondsPerMail') or 0:.2f} ms/mail in RabbitMQ")
        print_stages("where the time went, pinned", [("pinned", pinned)])
        print(f"  each role alone ({roles['mails']} mails; broker = beam.smp's CPU in that phase, rest = whole machine minus both):")
        print(f"    {'role':<9} {'smime ms':>9} {'broker ms':>10} {'rest ms':>8} {'seconds':>8}")
        total_ours = total_broker = 0.0
        for name in ("producer", "signer", "sender"):
            x = roles[name]
            b = x.get("brokerCpuMillisecondsPerMail") or 0.0
            rest = (x.get("machineCpuMillisecondsPerMail") or 0.0) - x["processCpuMillisecondsPerMail"] - b
            total_ours += x["processCpuMillisecondsPerMail"]
            total_broker += b
            print(f"    {name:<9} {x['processCpuMillisecondsPerMail']:>9.3f} {b:>10.3f} {rest:>8.3f} {x['seconds']:>8.2f}")
        print(f"    {'sum':<9} {total_ours:>9.3f} {total_broker:>10.3f}")
        # The roles-alone model of session 7, printed beside the capacity model for comparison. CPU: each core carries 1000 / (its CPU per mail) mails/s (smime's core: producer + signer + sender;
        # the broker's core: the broker's share of all three). Windows (Little's law): a window of W places, each held
        # R ms per mail, passes at most W / R mails/s. R is measured per role while it ran alone, never taken from the
        # pinned run itself, and split in two: Q, the waits for the broker's confirms (kept as measured), and the rest,
        # work on smime's core, which stretches as that core fills: alone it took C at utilisation U_alone (the role's
        # own CPU at its own rate), so its demand is D = C (1 - U_alone), and at X mails/s with every role on the core
        # it takes D / (1 - X c / 1000), c = producer + signer + sender. The model's rate is the largest X that every
        # bound allows (bisection); each bound is printed at that X.
        c_total = total_ours
        windows = []
        for name, key in (("producer", "producerWindow"), ("signer", "signerWindow"), ("sender", "senderWindow")):
            w = roles.get(key)
            if not w:
                continue
            x = roles[name]
            rate_alone = roles["mails"] / x["seconds"]
            u_alone = min(rate_alone * x["processCpuMillisecondsPerMail"] / 1000, 0.95)
            demand = max(w["residenceMilliseconds"] - w["confirmWaitMilliseconds"], 0.0) * (1 - u_alone)
            windows.append((name, w["limit"], w["confirmWaitMilliseconds"], demand))
            print(f"    {name} window alone: {w['averageInside']:.1f} of {w['limit']} places busy, {w['residenceMilliseconds']:.1f} ms per mail in a place = "
                  f"{w['confirmWaitMilliseconds']:.1f} ms waiting for confirms + {w['residenceMilliseconds'] - w['confirmWaitMilliseconds']:.1f} ms on smime's core "
                  f"(at {u_alone:.0%} busy: {demand:.1f} ms of demand) -> alone at most {w['maxMailsPerSecond']:.0f} msg/s")

        def residence(window, x):
            _, _, wait, demand = window
            u = x * c_total / 1000
            return float("inf") if u >= 1 else wait + demand / (1 - u)

        broker_rate = 1000 / total_broker if total_broker else float("inf")
        ours_rate = 1000 / c_total
        lo, hi = 0.0, min(ours_rate, broker_rate)
        for _ in range(60):
            mid = (lo + hi) / 2
            if all(limit * 1000 / residence(wd, mid) >= mid for wd in windows for limit in [wd[1]]):
                lo = mid
            else:
                hi = mid
        predicted = lo
        bounds = [("smime's core (CPU)", ours_rate), ("the broker's core (CPU)", broker_rate)]
        bounds += [(f"the {wd[0]}'s window ({wd[1]} places, {residence(wd, predicted):.0f} ms per mail at that rate)", wd[1] * 1000 / residence(wd, predicted)) for wd in windows]
        binding = min(bounds, key=lambda b: b[1])[0]
        print(f"  roles-alone model (session 7; CPU and windows of each role alone): {predicted:.0f} msg/s, bound by {binding}; "
              f"measured {pinned['messagesPerSecond']:.0f} msg/s = {pinned['messagesPerSecond'] / predicted:.2f}x (CPU only: {min(ours_rate, broker_rate):.0f} msg/s)")
        print("  the capacity model: every term from the paced pinned runs (all roles together, below the maximum), checked against the flat-out run:")
        paced_runs = [x for x in (load(f"pinned-paced{share}-{r}") for share in (25, 50, 75)) if x]
        outcome = capacity_model.report(pinned, paced_runs, out=sys.stdout, indent="    ",
                                        values_path=f"{sys.argv[3]}/../helm/smime-pipeline/values.yaml", idle=load(f"pinned-idle-{r}"))
        if outcome:
            predicted, measured = outcome
            check(17, "4: broker-pinned run / capacity model within 1 +- 0.25", abs(measured / predicted - 1), 0.25,
                  shown=measured / predicted, at_most=True)
        else:
            check(17, "4: broker-pinned run / capacity model within 1 +- 0.25 (model not computed)", float("inf"), 0.25,
                  shown=float("nan"), at_most=True)
        confirm = load(f"confirm-{r}")
        if confirm:
            print(f"  the pinned broker's publish -> confirm, {confirm['queueType']} queue, {confirm['bodyBytes']} B, nothing else flowing (smime bench confirm):")
            for x in confirm["levels"]:
                print(f"    {x['inFlight']:>3} in flight: {x['publishesPerSecond']:>7.1f} publishes/s, p50 {x['latency']['p50Milliseconds']:.2f} ms, "
                      f"mean {x['latency']['meanMilliseconds']:.2f} ms, p99 {x['latency']['p99Milliseconds']:.2f} ms")
    elif t2:  # the pipeline ran (with --no-pipeline there is nothing to pin)
        print("\n  target 4 not measured: no broker process to pin (give --broker-pid with --rabbitmq, on a machine with 2+ cores)")

print("\ntargets; ceiling = the best any implementation could measure here (zero own work, or nothing in our process but the crypto floor)")
failed = 0
for issue in (17, 6):
    print(f"  issue {issue}:")
    for c in [c for c in checks if c["issue"] == issue]:
        ok = c["value"] <= c["target"] if c["at_most"] else c["value"] >= c["target"]
        failed += not ok
        beyond = c["ceiling"] is not None and (c["ceiling"] > c["target"] if c["at_most"] else c["ceiling"] < c["target"])
        ceiling = "" if c["ceiling"] is None else f"  ceiling {c['ceiling']:.3f}" + ("  (target beyond ceiling)" if beyond else "")
        note = f"; {c['note']}" if c.get("note") else ""
        print(f"    {'PASS' if ok else 'FAIL'}  {c['name']:<62} measured {c['shown']:.3f}{ceiling}{note}")
if repeat > 1:
    print("\nspread over rounds (min / median / max)")
    for n in sorted({c["name"] for c in checks}):
        values = [c["shown"] for c in checks if c["name"] == n]
        print(f"  {n:<62} {min(values):.2f} / {statistics.median(values):.2f} / {max(values):.2f}")
print(f"\n{len(checks) - failed}/{len(checks)} target checks passed")
PY
