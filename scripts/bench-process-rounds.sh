#!/usr/bin/env bash
# Issue 17, session 11: our process's CPU per mail flat out, builds or settings compared in rotated rounds.
#
#   RABBITMQ=URI BROKER_PID=PID scripts/bench-process-rounds.sh ROUNDS OUT-DIR "label|DLL|VAR=x VAR2=y" "label|DLL|" ...
#
# (URI and PID from `bash scripts/test.sh --services-only`.) Each variant is a build (the path of its smime.dll) and
# environment variables on top of that build's runtimeconfig (empty for none). Every round runs each variant once,
# flat out (`smime bench pipeline --messages MESSAGES --message standard --warmup WARMUP --no-stages`, defaults 3000
# and 1500, each run with a fresh ledger and pickup directory), in an order rotated by one each round (A B C, B C A,
# C A B, ...), because on a shared machine the position in a round moves the figures as much as a change does. One
# line per run: msg/s, smime / broker / machine CPU ms per mail, managed bytes allocated per mail, gen-0 collections
# per 1,000 mails, JIT methods compiled in the measured run, load average before; then each variant's mean, and its
# ratio to the first variant's, of the process and broker figures. Before each round (since session 15): the load
# average and `openssl speed -seconds 3 rsa2048` on core 0.
set -euo pipefail
ROUNDS=${1:?rounds}
OUT=${2:?out dir}
shift 2
(($# >= 2)) || { echo "bench-process-rounds.sh: at least two variants \"label|dll|vars\"" >&2; exit 2; }
MESSAGES=${MESSAGES:-3000}
WARMUP=${WARMUP:-1500}
: "${RABBITMQ:?RABBITMQ=amqp://... (scripts/test.sh --services-only prints it)}"
: "${BROKER_PID:?BROKER_PID=the pid of the broker beam.smp}"
mkdir -p "$OUT"
variants=("$@")
count=${#variants[@]}

for ((round = 1; round <= ROUNDS; round++)); do
  echo "round $round: load $(cut -d' ' -f1-3 /proc/loadavg), openssl rsa2048 sign/s on core 0:" \
    "$(taskset -c 0 openssl speed -seconds 3 rsa2048 2>/dev/null | awk '/^rsa 2048 bits/ {print $6}')"
  for ((k = 0; k < count; k++)); do
    i=$(((k + round - 1) % count))
    IFS='|' read -r label dll vars <<<"${variants[$i]}"
    name="r$round-v$i"
    load="$(cut -d' ' -f1-3 /proc/loadavg)"
    # shellcheck disable=SC2086
    if ! env $vars dotnet "$dll" bench pipeline --rabbitmq "$RABBITMQ" --message standard --messages "$MESSAGES" \
        --warmup "$WARMUP" --broker-pid "$BROKER_PID" --json --no-stages >"$OUT/$name.json" 2>"$OUT/$name.err"; then
      echo "round $round, $label: the bench failed: $(tail -n 3 "$OUT/$name.err")" >&2
      rm -f "$OUT/$name.json"
      continue
    fi
    python3 "$(dirname "${BASH_SOURCE[0]}")/bench_run_line.py" "$OUT/$name.json" "round $round #$((k + 1)) | $label" "$load"
  done
done

python3 - "$OUT" "$ROUNDS" "${variants[@]}" <<'PY'
import json, os, statistics, sys
out, rounds, variants = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
means = []
for i, variant in enumerate(variants):
    runs = [json.load(open(p)) for r in range(1, rounds + 1) if os.path.exists(p := f"{out}/r{r}-v{i}.json")]
    if not runs:
        means.append(None)
        continue
    means.append((statistics.mean(d['processCpuMillisecondsPerMail'] for d in runs),
                  statistics.mean(d.get('brokerCpuMillisecondsPerMail') or 0 for d in runs), len(runs)))
base = means[0]
for variant, m in zip(variants, means):
    if m is None:
        print(f"{variant.split('|')[0]}: no run")
        continue
    ratio = f" = {m[0] / base[0]:.3f} / {m[1] / base[1]:.3f} x the first" if base and base[1] else ""
    print(f"{variant.split('|')[0]}: mean of {m[2]} runs smime {m[0]:.3f} ms, broker {m[1]:.3f} ms per mail{ratio}")
PY
