#!/usr/bin/env bash
# Issue 17, session 21: what the product spends beyond the MassTransit ceiling, profiled side by side.
#
#   scripts/profile-gap.sh OUT_DIR [ORDER]        ORDER of P and M, default PMMP (rounds of two: P M, then M P)
#
#   P = `smime bench pipeline`, as bench.sh's target-1 run makes it (stages followed, the product's span setting)
#   M = `smime bench guarantees --via masstransit`, target 1's MassTransit ceiling (the same guarantees, no MIME, no crypto)
#
# Environment: DLL (default the Release smime.dll of this checkout; B_DLL, when set, is used for the runs of M instead),
# M_ARGS (more arguments for the runs of M, e.g. "--rate 200": the ceiling at the product's pace),
# MESSAGES (15000; M_MESSAGES for the runs of M, default 3 × MESSAGES: M runs 2-5 times faster and must outlast the windows), WARMUP (3000), SETTLE (5: seconds after the bench says "measuring"), RECORD_SECONDS (15: the perf record
# window), TRACE_SECONDS (6: the `perf trace -s` window right after it; 0 = none), FLOOR (1: `bench protect` on core 0
# before each round, for the crypto floor of the round; 0 = none), RABBITMQ and BROKER_PID (a broker of yours; default: a
# private one from scripts/private-broker.sh, stopped at the end).
#
# Each run: the bench with JIT code named for perf (DOTNET_PerfMapEnabled=1), its pickup files under OUT/runN-X/work; once
# it measures and SETTLE seconds passed, `perf record -e cpu-clock -F 499 -g` of smime for RECORD_SECONDS, then `perf trace -s`
# of smime for TRACE_SECONDS (system calls by kind); around each window a snapshot of the pickup files written, smime's,
# the broker's and the machine's CPU ticks (window.txt). Before each round: the load average, `taskset -c 0 openssl speed
# -seconds 3 rsa2048` and (FLOOR=1) `bench protect --message standard --key rsa2048` on core 0 (floor-R.json).
# Then scripts/profile_gap.py OUT prints, per mail in the record windows: each component of smime's CPU (the same charging
# as scripts/profile-charge.py), the broker and the rest of the machine, for P and M and their difference; OpenSSL's
# samples by the managed frame that called it, against the round's floor; system calls by kind.
# Needs perf, root (or perf_event_paranoid <= 1) and a Release build. Not part of CI.
set -euo pipefail
OUT=${1:?out dir}; ORDER=${2:-PMMP}
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DLL=${DLL:-$REPO/src/SmimePipeline.Cli/bin/Release/net10.0/smime.dll}
B_DLL=${B_DLL:-$DLL}
MESSAGES=${MESSAGES:-15000}; M_MESSAGES=${M_MESSAGES:-$((3 * MESSAGES))}; WARMUP=${WARMUP:-3000}; SETTLE=${SETTLE:-5}; SECONDS_RECORDED=${RECORD_SECONDS:-15}
TRACE_SECONDS=${TRACE_SECONDS:-6}; FLOOR=${FLOOR:-1}
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
# shellcheck source=scripts/perf-bench.sh
source "$REPO/scripts/perf-bench.sh"
perf_bench_require profile-gap.sh "$DLL"
if [[ -z "${RABBITMQ:-}" || -z "${BROKER_PID:-}" ]]; then
  # shellcheck source=scripts/private-broker.sh
  source "$REPO/scripts/private-broker.sh"
  trap stop_private_broker EXIT
  start_private_broker "$OUT" profile-gap.sh
fi

# snap LABEL PID RUN_DIR: one line of the window file: label, ns, pickup files, smime ticks, broker ticks, machine busy ticks.
snap() {
  local files smime broker machine
  files=$(find "$3"/work -maxdepth 3 -path '*/outbox/*.eml' 2>/dev/null | wc -l)
  # A bench that has ended leaves no snapshot: the window is then not used.
  smime=$(awk '{print $14 + $15}' "/proc/$2/stat" 2>/dev/null) || return 0
  broker=$(awk '{print $14 + $15}' "/proc/$BROKER_PID/stat")
  machine=$(awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat)
  echo "$1 $(date +%s%N) $files $smime $broker $machine" >>"$3/window.txt"
}

for ((i = 0; i < ${#ORDER}; i++)); do
  v=${ORDER:i:1}
  round=$((i / 2 + 1))
  if ((i % 2 == 0)); then
    speed=$(taskset -c 0 openssl speed -seconds 3 rsa2048 2>/dev/null | awk '/^rsa 2048 bits/ {print $6}')
    echo "round $round: load $(cut -d' ' -f1-3 /proc/loadavg), openssl rsa2048 sign/s on core 0: $speed" | tee -a "$OUT/rounds.txt"
    if [[ "$FLOOR" == 1 ]]; then
      taskset -c 0 dotnet "$DLL" bench protect --message standard --key rsa2048 --threads 1 --seconds 5 --warmup 3 --json \
        >"$OUT/floor-$round.json" 2>"$OUT/floor-$round.err" || echo "round $round: bench protect failed (see floor-$round.err)" >&2
    fi
  fi
  run="$OUT/run$((i + 1))-$v"
  rm -rf "$run"; mkdir -p "$run/work"
  case "$v" in
    P) dll=$DLL; mails=$MESSAGES; args=(bench pipeline) ;;
    # shellcheck disable=SC2206
    M) dll=$B_DLL; mails=$M_MESSAGES; args=(bench guarantees --via masstransit ${M_ARGS:-}) ;;
    *) echo "profile-gap.sh: ORDER is made of P and M, not $v" >&2; exit 2 ;;
  esac
  echo "run $((i + 1)) ($v, round $round): load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/rounds.txt"
  perf_bench_start "$run" "$dll" "${args[@]}" --rabbitmq "$RABBITMQ" --message standard --messages "$mails" --warmup "$WARMUP" \
    --broker-pid "$BROKER_PID" --work-dir "$run/work" --json
  bench=$BENCH_PID
  perf_bench_wait_measuring "profile-gap.sh: run $((i + 1))" "$run"
  sleep "$SETTLE"
  snap record-start "$bench" "$run"
  perf_bench_record "$run" "$SECONDS_RECORDED"
  snap record-end "$bench" "$run"
  if ((TRACE_SECONDS > 0)) && kill -0 "$bench" 2>/dev/null; then
    snap trace-start "$bench" "$run"
    perf trace -s -p "$bench" -o "$run/syscalls.txt" -- sleep "$TRACE_SECONDS" 2>"$run/trace.err" || true
    snap trace-end "$bench" "$run"
  fi
  echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$run/window.txt"
  wait "$bench" || echo "run $((i + 1)): the bench exited with $? (see $run/bench.err)" >&2
  perf_bench_script "$run"
  rm -f "$run/perf.data"
done
# The pickup files and ledgers go only now: on this host's journal-less ext4 a run creating files right after thousands were
# deleted pays for them in openat (README, "Issue 17, session 16: the pickup file's CPU"), and it would be the next run.
rm -rf "$OUT"/run*/work

python3 "$REPO/scripts/profile_gap.py" "$OUT"
