#!/usr/bin/env bash
# Issue 17, target 4: how well the capacity model's CPU lines are determined. On a private RabbitMQ node pinned to core 1
# (smime on core 0, as bench.sh's target 4), each round measures the idle broker (scripts/capacity_model.py
# --measure-idle, no mails flowing) and then `smime bench pipeline` paced at each of RATES in rotated order; per round
# it prints each core's line three ways: least squares unconstrained (bench.sh up to session 13), least squares with
# both terms >= 0, and through the measured idle load (the broker's line since session 14); then each fit's cost per
# mail over the rounds. The spread between rounds is how far one bench.sh run's line can be trusted.
#
#   scripts/bench-capacity-points.sh [--rounds N] [--rates "15 30 45"] [--seconds S] [--warmup MAILS] [--idle-seconds S]
#                                    [--keep-results DIR]
#
# Build Release first (dotnet build src/SmimePipeline.Cli -c Release). Not part of CI.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROUNDS=2
RATES="15 30 45"
PACED_SECONDS=20
WARMUP=500
IDLE_SECONDS=10
KEEP_RESULTS=""
usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit "${1:-0}"; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rounds) ROUNDS="$2"; shift 2 ;;
    --rates) RATES="$2"; shift 2 ;;
    --seconds) PACED_SECONDS="$2"; shift 2 ;;
    --warmup) WARMUP="$2"; shift 2 ;;
    --idle-seconds) IDLE_SECONDS="$2"; shift 2 ;;
    --keep-results) KEEP_RESULTS="$2"; shift 2 ;;
    -h|--help) usage 0 ;;
    *) echo "bench-capacity-points.sh: unknown argument $1" >&2; usage 1 ;;
  esac
done
[[ "$(nproc)" -ge 2 ]] || { echo "bench-capacity-points.sh: needs 2 CPUs" >&2; exit 1; }
SMIME_DLL="$REPO_ROOT/src/SmimePipeline.Cli/bin/Release/net10.0/smime.dll"
[[ -f "$SMIME_DLL" ]] || { echo "bench-capacity-points.sh: build first: $SMIME_DLL is missing" >&2; exit 1; }

RESULTS="$(mktemp -d)"
SERVICES_PID=""
# shellcheck source=scripts/private-broker.sh
source "$REPO_ROOT/scripts/private-broker.sh"
cleanup() {
  stop_private_broker
  if [[ -n "$KEEP_RESULTS" ]]; then mkdir -p "$KEEP_RESULTS" && cp "$RESULTS"/*.json "$RESULTS"/*.txt "$KEEP_RESULTS"/ 2>/dev/null || true; fi
  rm -rf "$RESULTS"
}
trap cleanup EXIT
start_private_broker "$RESULTS" bench-capacity-points.sh
taskset -a -cp 1 "$BROKER_PID" >/dev/null

read -r -a rates <<<"$RATES"
for round in $(seq 1 "$ROUNDS"); do
  cat /proc/loadavg > "$RESULTS/load-$round.txt"
  echo "[bench-capacity-points.sh] round $round: idle broker ${IDLE_SECONDS} s, load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
  python3 "$REPO_ROOT/scripts/capacity_model.py" --measure-idle "$BROKER_PID" "$IDLE_SECONDS" > "$RESULTS/idle-$round.json"
  # Rotate the order by one each round, so that no rate always runs first (the coldest) or last.
  n=${#rates[@]}
  for ((k = 0; k < n; k++)); do
    rate="${rates[$(( (k + round - 1) % n ))]}"
    count="$(python3 -c 'import sys; print(max(100, round(float(sys.argv[1]) * float(sys.argv[2]))))' "$rate" "$PACED_SECONDS")"
    echo "[bench-capacity-points.sh] round $round: paced $rate msg/s, $count mails (taskset -c 0), load $(cut -d' ' -f1 /proc/loadavg)" >&2
    taskset -c 0 dotnet "$SMIME_DLL" bench pipeline --rabbitmq "$RABBITMQ" --message standard --warmup "$WARMUP" \
      --broker-pid "$BROKER_PID" --json --messages "$count" --rate "$rate" > "$RESULTS/paced-$round-$rate.json"
  done
done

python3 - "$RESULTS" "$ROUNDS" "$REPO_ROOT/scripts" "$RATES" <<'PY'
import json, statistics, sys
results, rounds = sys.argv[1], int(sys.argv[2])
sys.path.insert(0, sys.argv[3])
import capacity_model as cm
rates = sys.argv[4].split()
costs = {}
for r in range(1, rounds + 1):
    idle = json.load(open(f"{results}/idle-{r}.json"))
    runs = [json.load(open(f"{results}/paced-{r}-{x}.json")) for x in rates]
    points = [p for p in (cm.point(x) for x in runs) if p]
    print(f"round {r} (load at start {open(f'{results}/load-{r}.txt').read().split()[0]}): idle broker {idle['brokerCpuShare']:.1%} + core 1 interrupts "
          f"{idle['interruptShare1']:.1%} = u1 {idle['u1']:.1%}")
    for p in points:
        print(f"  paced {p['rate']:6.1f} msg/s{'' if p['kept'] else ' (did not keep pace)'}: u0 {p['u0']:.1%} (other0 {p['other0']:.0%}), "
              f"u1 {p['u1']:.1%} (other1 {p['other1']:.0%})")
    kept = [p for p in points if p["kept"]]
    if len(kept) < 2:
        print("  fewer than two paced runs kept their pace: no fit")
        continue
    xs = [p["rate"] for p in kept]
    for core in ("u0", "u1"):
        ys = [p[core] for p in kept]
        a, b, res = cm.line_fit(xs, ys)
        fits = [("unconstrained", a, b, res)]
        bg, cost, res2, _ = cm.load_line(xs, ys)
        fits.append(("both >= 0", bg, cost, res2))
        if core == "u1":
            bg, cost, res3, _ = cm.load_line(xs, ys, idle["u1"])
            fits.append(("through idle", bg, cost, res3))
        for name, bg, cost, res in fits:
            costs.setdefault((core, name), []).append(cost * 1000)
            print(f"  {core} {name:<14}: {bg:6.1%} + rate x {cost * 1000:.3f} ms (largest residual {res:.1%})"
                  + (f" -> full at {(1 - bg) / cost:.0f} msg/s" if cost > 0 else " -> no bound"))
print("cost per mail over the rounds, ms:")
for (core, name), values in costs.items():
    print(f"  {core} {name:<14}: " + ", ".join(f"{v:.3f}" for v in values)
          + (f"  (median {statistics.median(values):.3f}, spread {max(values) - min(values):.3f})" if len(values) > 1 else ""))
PY
