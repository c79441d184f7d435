#!/usr/bin/env bash
# Issue 17, session 10: the process's CPU that does not follow the mails, one runtime setting at a time.
#
#   RABBITMQ=URI BROKER_PID=PID scripts/bench-runtime-settings.sh [rounds] [out-dir]
#
# (URI and PID from `bash scripts/test.sh --services-only`; build src/SmimePipeline.Cli -c Release first; DLL=path to
# another build's smime.dll.) Each round runs every setting twice, paced (standard mails at RATE, default 105.5, as
# target 2's runs) and flat out, in an order rotated by one each round (the machine is shared: order effects are
# large). The paced run's threads are sampled by name (scripts/thread-cpu.py) from the end of the warm-up to the end.
# One line per run: process, broker and machine CPU per mail, JIT methods compiled in the measured run, CPU seconds of
# the thread pool / tiering JIT / GC / timer threads, voluntary context switches and minor faults per mail (session 15),
# load average; before each round the load and `openssl speed -seconds 3 rsa2048` on core 0 (session 15). Variants are
# environment variables on top of the build's runtimeconfig (PipelineRuntime.props); SETTINGS="label|VAR=x VAR2=y;..."
# replaces the list.
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DLL=${DLL:-$REPO_ROOT/src/SmimePipeline.Cli/bin/Release/net10.0/smime.dll}
ROUNDS=${1:-3}
OUT=${2:-$(mktemp -d /tmp/smime-runtime-settings.XXXXXX)}
RATE=${RATE:-105.5}
PACED=${PACED:-3000}
FLAT=${FLAT:-4000}
WARMUP=${WARMUP:-3000}
: "${RABBITMQ:?RABBITMQ=amqp://... (scripts/test.sh --services-only prints it)}"
: "${BROKER_PID:?BROKER_PID=the pid of the broker beam.smp}"
mkdir -p "$OUT"
if [[ -n "${SETTINGS:-}" ]]; then
  IFS=';' read -r -a settings <<<"$SETTINGS"
else
  settings=(
    "as built|SMIME_SETTING=as-built"
    "spin limit 0|DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0"
    "TieredPGO on|DOTNET_TieredPGO=1"
    "spin 0 + PGO on|DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0 DOTNET_TieredPGO=1"
  )
fi

# run NAME MODE VARS: one bench run; prints its line.
run() {
  local name="$1" mode="$2" vars="$3" args=(--messages "$FLAT")
  [[ "$mode" == paced ]] && args=(--messages "$PACED" --rate "$RATE")
  local load; load="$(cut -d' ' -f1 /proc/loadavg)"
  # shellcheck disable=SC2086
  env $vars dotnet "$DLL" bench pipeline --rabbitmq "$RABBITMQ" --message standard --warmup "$WARMUP" \
    --broker-pid "$BROKER_PID" --json --no-stages "${args[@]}" >"$OUT/$name.json" 2>"$OUT/$name.err" &
  local bench=$! sampler=""
  if [[ "$mode" == paced ]]; then
    until grep -q 'measuring' "$OUT/$name.err" 2>/dev/null || ! kill -0 "$bench" 2>/dev/null; do sleep 0.5; done
    # `dotnet smime.dll` is the process itself (no apphost in between).
    python3 "$REPO_ROOT/scripts/thread-cpu.py" "$bench" --json >"$OUT/$name.threads.json" &
    sampler=$!
  fi
  wait "$bench" || { echo "$name: the bench failed (exit $?): $(tail -n 3 "$OUT/$name.err")" >&2; [[ -n "$sampler" ]] && kill "$sampler"; return 0; }
  [[ -n "$sampler" ]] && wait "$sampler"
  python3 - "$OUT/$name.json" "$OUT/$name.threads.json" "$name" "$load" "$(cut -d' ' -f1 /proc/loadavg)" <<'PY'
import json, os, sys
d = json.load(open(sys.argv[1]))
t = json.load(open(sys.argv[2]))["byThread"] if os.path.exists(sys.argv[2]) else {}
pool = t.get(".NET TP Worker", 0); jit = t.get(".NET Tiered Com", 0); gc = t.get(".NET Server GC", 0) + t.get(".NET BGC", 0)
timer = t.get(".NET Timer", 0); other = sum(t.values()) - pool - jit - gc - timer
print(f"{sys.argv[3]} | {d['messagesPerSecond']:.1f} msg/s | smime {d['processCpuMillisecondsPerMail']:.3f} ms | broker {d.get('brokerCpuMillisecondsPerMail') or 0:.3f} | "
      f"machine {d.get('machineCpuMillisecondsPerMail') or 0:.3f} | jit {d['jitMethodsCompiled']} methods | p99 {d['latencyP99Milliseconds']:.0f} ms | "
      f"vcsw {d.get('voluntarySwitchesPerMail', 0):.1f} | minflt {d.get('minorFaultsPerMail', 0):.1f} | "
      + (f"threads s: pool {pool:.1f} jit {jit:.1f} gc {gc:.1f} timer {timer:.1f} other {other:.1f} | " if t else "")
      + f"load {sys.argv[4]}->{sys.argv[5]}", flush=True)
PY
}

uptime
for round in $(seq 1 "$ROUNDS"); do
  echo "round $round: load $(cut -d' ' -f1-3 /proc/loadavg), openssl rsa2048 sign/s on core 0:" \
    "$(taskset -c 0 openssl speed -seconds 3 rsa2048 2>/dev/null | awk '/^rsa 2048 bits/ {print $6}')"
  n=${#settings[@]}
  for i in $(seq 0 $((n - 1))); do
    entry=${settings[$(((i + round - 1) % n))]}
    label=${entry%%|*}; vars=${entry#*|}
    slug=$(tr -c 'a-zA-Z0-9\n' '-' <<<"$label")
    run "r$round-$slug-paced" paced "$vars"
    run "r$round-$slug-flat" flat "$vars"
  done
done
uptime
echo "results: $OUT"
