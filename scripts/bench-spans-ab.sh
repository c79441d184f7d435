#!/usr/bin/env bash
# Issue 17, session 20: what the spans cost per mail. MassTransit's spans recorded (the product's default), created for
# the trace context alone (`propagated`, SmimePipeline:Telemetry:MassTransitSpans=Propagated) and not created at all
# (`none`: no listener for MassTransit, so no context travels; a measurement, not a product setting), in rotated rounds.
#
#   [RABBITMQ=URI BROKER_PID=PID] scripts/bench-spans-ab.sh OUT [--rounds N] [--messages N] [--warmup N]
#       [--bench pipeline|guarantees|both] [--variants recorded,propagated,none] [--census-messages N] [--smime DLL] [--otlp]
#
# Defaults: 3 rounds, 2,000 standard mails after 2,000, both benches, all three variants, census runs of 500 after 500,
# the worktree's Release build. Without RABBITMQ a private RabbitMQ is started (scripts/private-broker.sh) and stopped on
# exit. First one `--count-spans` run per bench and variant (OUT/census-BENCH-VARIANT.json: every span per mail by source,
# name, kind and whether it was recorded; the census listener costs CPU, so these runs give counts only). Then ROUNDS
# rounds, each starting with the load average and `taskset -c 0 openssl speed -seconds 3 rsa2048`, each running every
# variant of every bench once flat out (`bench pipeline --message standard`, stages followed as bench.sh does; `bench
# guarantees --via masstransit`), the order rotated by one each round. `scripts/spans_ab_report.py OUT` prints the census
# and, per round, every variant's figures and its ratio to `recorded` in the same round (CPU per mail of smime, RabbitMQ
# and the machine; bytes allocated, thread-pool work items and voluntary switches per mail: the load-stable ones; since
# session 22 also each pipeline run's bounded places: the signer's window, the delivery places, the protect slots).
# --otlp: spans as an operator with a collector has them: OTEL_EXPORTER_OTLP_ENDPOINT points at scripts/otlp_sink.py (a
# receiver that counts and discards) and SmimePipeline__Telemetry__MassTransitSpans follows the variant, so the bench's
# host runs the product's OpenTelemetry set-up and exports (variants recorded and propagated only; `none` is not a product
# setting); each run's OTLP requests and bytes, warm-up included, go to OUT/BENCH-VARIANT-R.otlp.json.
# --settings "NAME|VAR=x VAR2=y[|BENCH ARGS];NAME2|…" (session 21: what MassTransit's configuration costs) runs these
# variants instead: each one the product's settings from the environment (no --masstransit-spans: the bench follows
# SmimePipeline__Telemetry__MassTransitSpans, else recorded) plus its VARs and extra bench arguments (`--via raw` makes
# a guarantees run the raw RabbitMQ.Client reference); no census; ratios to the first NAME. With --otlp a VAR may blank
# OTEL_EXPORTER_OTLP_ENDPOINT= for a run without the product's telemetry set-up.
set -euo pipefail
OUT=${1:?usage: bench-spans-ab.sh OUT [--rounds N] [--messages N] [--warmup N] [--bench pipeline|guarantees|both] [--variants LIST] [--census-messages N] [--smime DLL]}
shift
ROUNDS=3 MESSAGES=2000 WARMUP=2000 BENCH=both VARIANTS=recorded,propagated,none CENSUS=500 OTLP=0 SETTINGS=""
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SMIME="$ROOT/src/SmimePipeline.Cli/bin/Release/net10.0/smime.dll"
while (($#)); do
  case "$1" in
    --rounds) ROUNDS=$2; shift 2 ;;
    --messages) MESSAGES=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --bench) BENCH=$2; shift 2 ;;
    --variants) VARIANTS=$2; shift 2 ;;
    --census-messages) CENSUS=$2; shift 2 ;;
    --smime) SMIME=$2; shift 2 ;;
    --otlp) OTLP=1; shift ;;
    --settings) SETTINGS=$2; shift 2 ;;
    *) echo "bench-spans-ab.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
[[ -f "$SMIME" ]] || { echo "bench-spans-ab.sh: $SMIME not found (dotnet build SmimePipeline.sln -c Release)" >&2; exit 2; }
case "$BENCH" in pipeline) benches=(pipeline) ;; guarantees) benches=(guarantees) ;; both) benches=(pipeline guarantees) ;;
  *) echo "bench-spans-ab.sh: --bench pipeline|guarantees|both" >&2; exit 2 ;; esac
declare -A SETTING_VARS=() SETTING_ARGS=()
if [[ -n "$SETTINGS" ]]; then
  variants=()
  IFS=';' read -r -a specs <<<"$SETTINGS"
  for spec in "${specs[@]}"; do
    IFS='|' read -r name vars extra <<<"$spec"
    [[ "$name" =~ ^[A-Za-z0-9_]+$ ]] || { echo "bench-spans-ab.sh: a --settings name is letters, digits and _ ($name)" >&2; exit 2; }
    variants+=("$name") SETTING_VARS[$name]="$vars" SETTING_ARGS[$name]="$extra"
  done
  VARIANTS=$(IFS=','; echo "${variants[*]}")
else
  IFS=',' read -r -a variants <<<"$VARIANTS"
fi
BASE=${variants[0]}
[[ -z "$SETTINGS" ]] && BASE=recorded
mkdir -p "$OUT"
echo "messages $MESSAGES warmup $WARMUP census $CENSUS otlp $OTLP" >"$OUT/settings.txt"
[[ -n "$SETTINGS" ]] && echo "settings $SETTINGS" >>"$OUT/settings.txt"

if [[ -z "${RABBITMQ:-}" ]]; then
  # shellcheck source=scripts/private-broker.sh
  source "$ROOT/scripts/private-broker.sh"
  trap stop_private_broker EXIT
  start_private_broker "$OUT" bench-spans-ab
fi
: "${BROKER_PID:?BROKER_PID=the pid of the broker beam.smp}"

SINK_PID=""
if ((OTLP)); then
  [[ -n "$SETTINGS" || ",$VARIANTS," != *,none,* ]] || { echo "bench-spans-ab.sh: --otlp compares the product's settings: --variants recorded,propagated" >&2; exit 2; }
  SINK_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  python3 "$ROOT/scripts/otlp_sink.py" "$SINK_PORT" "$OUT/otlp-counts.json" &
  SINK_PID=$!
  trap '[[ -n "$SINK_PID" ]] && kill "$SINK_PID" 2>/dev/null; declare -F stop_private_broker >/dev/null && stop_private_broker' EXIT
  export OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$SINK_PORT" OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf
  sleep 1
fi

run() { # bench variant messages warmup out-json [extra args]
  local bench=$1 variant=$2 messages=$3 warmup=$4 json=$5; shift 5
  local args=(--rabbitmq "$RABBITMQ" --message standard --messages "$messages" --warmup "$warmup" --broker-pid "$BROKER_PID" --json "$@")
  local setting=() extra=()
  if [[ -n "$SETTINGS" ]]; then
    read -r -a setting <<<"${SETTING_VARS[$variant]}"
    read -r -a extra <<<"${SETTING_ARGS[$variant]}"
    args+=("${extra[@]}")
  else
    args+=(--masstransit-spans "$variant")
    ((OTLP)) && setting=("SmimePipeline__Telemetry__MassTransitSpans=$variant")
  fi
  [[ $bench == guarantees && " ${extra[*]} " != *" --via "* ]] && args+=(--via masstransit)
  local before=""
  ((OTLP)) && before=$(cat "$OUT/otlp-counts.json")
  if ! env "${setting[@]}" dotnet "$SMIME" bench "$bench" "${args[@]}" >"$json" 2>"${json%.json}.err"; then
    echo "$bench $variant: the bench failed: $(tail -n 3 "${json%.json}.err")" >&2
    rm -f "$json"
  fi
  if ((OTLP)); then
    python3 -c 'import json, sys
before, after = json.loads(sys.argv[1]), json.load(open(sys.argv[2]))
print(json.dumps({p: {k: v[k] - before.get(p, {}).get(k, 0) for k in v} for p, v in after.items()}))' "$before" "$OUT/otlp-counts.json" >"${json%.json}.otlp.json"
  fi
}

for bench in "${benches[@]}"; do
  [[ -n "$SETTINGS" ]] && break
  for variant in "${variants[@]}"; do
    echo "census: $bench $variant (load $(cut -d' ' -f1 /proc/loadavg))" >&2
    run "$bench" "$variant" "$CENSUS" "$CENSUS" "$OUT/census-$bench-$variant.json" --count-spans
  done
done

count=${#variants[@]}
for ((round = 1; round <= ROUNDS; round++)); do
  {
    echo "load $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "openssl $(taskset -c 0 openssl speed -seconds 3 rsa2048 2>/dev/null | awk '/^rsa 2048 bits/ {print $6}')"
  } >"$OUT/round-$round.txt"
  echo "round $round: $(tr '\n' ' ' <"$OUT/round-$round.txt")" >&2
  for bench in "${benches[@]}"; do
    for ((k = 0; k < count; k++)); do
      variant=${variants[$(((k + round - 1) % count))]}
      echo "round $round: $bench $variant (load $(cut -d' ' -f1 /proc/loadavg))" >&2
      run "$bench" "$variant" "$MESSAGES" "$WARMUP" "$OUT/$bench-$variant-$round.json"
    done
  done
done

python3 "$ROOT/scripts/spans_ab_report.py" "$OUT" "$BASE"
