#!/usr/bin/env bash
# What a bench run pays for the files the run before it deleted (issue 17, session 16), in rotated rounds:
#
#   sudo scripts/bench-file-deletes-ab.sh OUT [--rounds N] [--messages N] [--warmup N] [--smime DLL]   (RABBITMQ=URI BROKER_PID=PID)
#
# Makes two fresh ext4 file systems WITHOUT a journal (this host's kind: `mkfs.ext4 -O ^has_journal`, 4 GB files in OUT on
# loop devices; root only), A and B, so that nothing but these runs ever deleted a file on them. Each round runs, on each
# file system in an order alternating by round (A B, B A, ...), two `smime bench guarantees` runs back to back, flat out,
# as bench.sh runs `bench pipeline` then `bench guarantees`: a first run, then the measured one right after it.
#   A = as before session 16: each run's directory in $TMPDIR on A, deleted when the run ends, so the measured run creates
#       its files right after the first one deleted its own;
#   B = `--work-dir` on B: every run's files are left (as scripts/bench.sh now does), nothing is deleted.
# The measured run is profiled (`perf record -g`, DOTNET_PerfMapEnabled=1, as scripts/profile-pipeline.sh) while it
# measures, and scripts/profile-charge.py's last table gives the share of the process's CPU in creating the pickup files
# and, inside it, in ext4 skipping recently deleted inodes. Prints per round the load, `openssl speed -seconds 3 rsa2048`
# on core 0, the measured runs' process and RabbitMQ CPU per mail and those two shares, and B / A.
# Without RABBITMQ and BROKER_PID it starts a private RabbitMQ (scripts/private-broker.sh). Unmounts and removes the file
# systems on exit. Defaults: 2 rounds, 4000 mails after 1500 (bench.sh's); B keeps 4 runs' files per round (≈ 1.7 GB).
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit "${1:-0}"; }
[[ "${1:-}" == -h || "${1:-}" == --help ]] && usage 0
[[ $# -ge 1 && "$1" != -* ]] || usage 1
OUT="$(mkdir -p "$1" && cd "$1" && pwd)"; shift
ROUNDS=2; MESSAGES=4000; WARMUP=1500
SMIME_DLL="$REPO_ROOT/src/SmimePipeline.Cli/bin/Release/net10.0/smime.dll"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rounds) ROUNDS="$2"; shift 2 ;;
    --messages) MESSAGES="$2"; shift 2 ;;
    --warmup) WARMUP="$2"; shift 2 ;;
    --smime) SMIME_DLL="$2"; shift 2 ;;
    -h|--help) usage 0 ;;
    *) echo "bench-file-deletes-ab.sh: unknown argument $1" >&2; usage 1 ;;
  esac
done
[[ -f "$SMIME_DLL" ]] || { echo "bench-file-deletes-ab.sh: $SMIME_DLL not built" >&2; exit 1; }
[[ "$(id -u)" == 0 ]] || { echo "bench-file-deletes-ab.sh: needs root (mount of two loop file systems)" >&2; exit 1; }
command -v perf >/dev/null || { echo "bench-file-deletes-ab.sh: perf is not installed" >&2; exit 1; }

SERVICES_PID=""
# shellcheck source=scripts/private-broker.sh
source "$REPO_ROOT/scripts/private-broker.sh"
cleanup() {
  for fs in A B; do
    if mountpoint -q "$OUT/fs-$fs"; then umount "$OUT/fs-$fs" || true; fi
    rm -f "$OUT/fs-$fs.img"
  done
  stop_private_broker
}
trap cleanup EXIT
if [[ -z "${RABBITMQ:-}" || -z "${BROKER_PID:-}" ]]; then
  start_private_broker "$OUT" bench-file-deletes-ab
fi
for fs in A B; do
  truncate -s 4G "$OUT/fs-$fs.img"
  mkfs.ext4 -q -F -O ^has_journal "$OUT/fs-$fs.img"
  mkdir -p "$OUT/fs-$fs"
  mount -o loop "$OUT/fs-$fs.img" "$OUT/fs-$fs"
  mkdir -p "$OUT/fs-$fs/tmp"
done

# run FS ROUND first|measured
run() {
  local fs="$1" round="$2" which="$3" dir="$OUT/$1-$2" args=()
  mkdir -p "$dir"
  [[ "$fs" == B ]] && args=(--work-dir "$OUT/fs-B/tmp")
  echo "[ab] $fs-$round, $which run: smime bench guarantees ${args[*]} (load $(cut -d' ' -f1 /proc/loadavg))" >&2
  if [[ "$which" == first ]]; then
    TMPDIR="$OUT/fs-$fs/tmp" dotnet "$SMIME_DLL" bench guarantees --rabbitmq "$RABBITMQ" --message standard --messages "$MESSAGES" \
      --warmup "$WARMUP" --broker-pid "$BROKER_PID" "${args[@]}" --json > "$dir/first.json" 2> "$dir/first.err"
    return
  fi
  TMPDIR="$OUT/fs-$fs/tmp" DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 \
    dotnet "$SMIME_DLL" bench guarantees --rabbitmq "$RABBITMQ" --message standard --messages "$MESSAGES" --warmup "$WARMUP" \
    --broker-pid "$BROKER_PID" "${args[@]}" --json > "$dir/bench.json" 2> "$dir/bench.err" &
  local bench=$!
  until grep -q 'measuring' "$dir/bench.err" 2>/dev/null; do
    kill -0 "$bench" 2>/dev/null || { cat "$dir/bench.err" >&2; exit 1; }
    sleep 1
  done
  sleep 2
  perf record -e cpu-clock -F 499 -g -p "$bench" -o "$dir/perf.data" -- sleep 10 2> "$dir/perf.err" || true
  wait "$bench"
  # A measured run that ended before perf attached leaves no profile (session 20's smoke run with 100 mails: perf said
  # "No such process" and `perf script` then stopped the script with no word): say so.
  [[ -s "$dir/perf.data" ]] || { echo "bench-file-deletes-ab.sh: $fs-$round: perf recorded nothing ($(head -n 1 "$dir/perf.err")); the measured run must outlast its first 2 s of measuring plus 10 s: more --messages" >&2; exit 1; }
  perf script -i "$dir/perf.data" > "$dir/perf.txt" 2> /dev/null
  python3 "$REPO_ROOT/scripts/profile-charge.py" "$dir/perf.txt" > "$dir/charge.txt"
}

for round in $(seq 1 "$ROUNDS"); do
  cut -d' ' -f1-3 /proc/loadavg > "$OUT/load-$round.txt"
  taskset -c 0 openssl speed -seconds 3 rsa2048 2>/dev/null | awk '/^rsa 2048 bits/ {print $6}' > "$OUT/openssl-$round.txt"
  if (( round % 2 == 1 )); then order=(A B); else order=(B A); fi
  for fs in "${order[@]}"; do run "$fs" "$round" first; run "$fs" "$round" measured; done
done

python3 - "$OUT" "$ROUNDS" <<'PY' | tee "$OUT/summary.txt"
import json, re, sys
out, rounds = sys.argv[1], int(sys.argv[2])
def share(charge, label):
    m = re.search(r'\| ([\d.]+) % \| ' + re.escape(label), charge)
    return float(m.group(1)) if m else float('nan')
print('| round (load, openssl sign/s) | run | delivered | msg/s | process ms/mail | RabbitMQ ms/mail | create share | inside: recently deleted | B ÷ A process |')
print('|---|---|---|---|---|---|---|---|---|')
for r in range(1, rounds + 1):
    load = open(f'{out}/load-{r}.txt').read().split()[0]
    ssl = open(f'{out}/openssl-{r}.txt').read().strip()
    proc = {}
    for fs in ('A', 'B'):
        d = json.load(open(f'{out}/{fs}-{r}/bench.json'))
        c = open(f'{out}/{fs}-{r}/charge.txt').read()
        proc[fs] = d['processCpuMillisecondsPerMail']
        ratio = f"{proc['B'] / proc['A']:.2f}" if fs == 'B' else ''
        print(f"| {r} ({load}, {ssl}) | {fs} | {d['delivered']}/{d['messages']} | {d['messagesPerSecond']:.1f} | {d['processCpuMillisecondsPerMail']:.3f} | "
              f"{d.get('brokerCpuMillisecondsPerMail') or float('nan'):.3f} | {share(c, 'pickup file: create'):.1f} % | {share(c, '  inside a create'):.1f} % | {ratio} |")
PY
