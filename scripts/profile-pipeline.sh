#!/usr/bin/env bash
# Profiles `smime bench pipeline` at steady state and charges the samples to components (issue 17).
#
#   scripts/profile-pipeline.sh --rabbitmq URI --broker-pid PID [--dll PATH] [--out DIR] [--settle S] [--seconds S]
#                               [--rate R] [--messages N] [--warmup N] [--bench pipeline|guarantees]
#
# --bench guarantees (session 16) profiles `smime bench guarantees` instead (the guarantees alone: no MassTransit, MIME or
# cryptography; --rate does not apply), whose per-mail durable writes (pickup file, SQLite ledger) are then most of the
# process; profile-charge.py's last table splits them step by step.
#
# Starts the bench (standard mails, 8,000 after 3,000 warm-up, --no-stages; --rate paces it, as target 2's runs are) with JIT code named for perf
# (DOTNET_PerfMapEnabled=1, DOTNET_EnableWriteXorExecute=0; the worker's runtime settings come with smime's runtimeconfig), waits until the
# warm-up mails are through plus --settle seconds (default 30: on a busy machine the tiering thread still held 18 % of
# the process 4 s after 3,000 warm-up mails, 0.1 % after 30 s), records --seconds (default 25) of
# `perf record -e cpu-clock -F 499 -g`, waits for the bench's JSON and prints scripts/profile-charge.py's tables.
# Needs perf and permission to profile the process (root, or kernel.perf_event_paranoid <= 1).
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dll="$REPO_ROOT/src/SmimePipeline.Cli/bin/Release/net10.0/smime.dll"
out="$(mktemp -d /tmp/smime-profile.XXXXXX)"
settle=30
seconds=25
rabbitmq=""
broker=""
rate=0
messages=8000
warmup=3000
bench_kind=pipeline
while [[ $# -gt 0 ]]; do
    case "$1" in
        --rabbitmq) rabbitmq="$2"; shift 2 ;;
        --broker-pid) broker="$2"; shift 2 ;;
        --dll) dll="$2"; shift 2 ;;
        --out) out="$2"; mkdir -p "$out"; shift 2 ;;
        --settle) settle="$2"; shift 2 ;;
        --seconds) seconds="$2"; shift 2 ;;
        --rate) rate="$2"; shift 2 ;;
        --messages) messages="$2"; shift 2 ;;
        --warmup) warmup="$2"; shift 2 ;;
        --bench) bench_kind="$2"; shift 2 ;;
        *) echo "profile-pipeline.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
if [[ -z "$rabbitmq" || -z "$broker" ]]; then
    echo "profile-pipeline.sh: --rabbitmq URI and --broker-pid PID are required (scripts/test.sh --services-only prints both)" >&2
    exit 2
fi
# shellcheck source=scripts/perf-bench.sh
source "$REPO_ROOT/scripts/perf-bench.sh"
perf_bench_require profile-pipeline.sh "$dll"

case "$bench_kind" in
    pipeline) bench_args=(bench pipeline --rate "$rate" --no-stages) ;;
    guarantees) bench_args=(bench guarantees) ;;
    *) echo "profile-pipeline.sh: --bench is pipeline or guarantees, not $bench_kind" >&2; exit 2 ;;
esac

out="$(cd "$out" && pwd)"
cd "$out"
perf_bench_start "$out" "$dll" "${bench_args[@]}" --rabbitmq "$rabbitmq" --messages "$messages" --message standard \
    --warmup "$warmup" --broker-pid "$broker" --json
perf_bench_wait_measuring "profile-pipeline.sh: the bench" "$out"
sleep "$settle"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)" | tee uptime.txt
perf_bench_record "$out" "$seconds"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a uptime.txt
wait "$BENCH_PID"
perf_bench_script "$out"
python3 "$REPO_ROOT/scripts/profile-charge.py" perf.txt
echo "bench figures: $out/bench.json; samples: $out/perf.txt"
