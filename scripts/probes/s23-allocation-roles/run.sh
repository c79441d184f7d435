#!/usr/bin/env bash
# Issue 17, session 23: the short functional runs behind "allocation figures with their check, and the sender's window
# bound" (README). On a private RabbitMQ (scripts/private-broker.sh), with the Release build of this worktree:
#   1. `smime bench pipeline --roles --allocation-check` in text: the allocation line with its check (heap count at both
#      reads, the allocation ticks) and each role's window alone, the sender's from its delivery places;
#   2. the same without --allocation-check, as JSON (allocationCheck with the heap counts only; roles.senderWindow).
# Each run is preceded by the load average and `openssl speed rsa2048` on core 0. Short runs: functional, not performance.
#   bash scripts/probes/s23-allocation-roles/run.sh OUT [MESSAGES=1500] [WARMUP=500]
set -euo pipefail
OUT="${1:?usage: run.sh OUT [MESSAGES] [WARMUP]}"
MESSAGES="${2:-1500}"
WARMUP="${3:-500}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
SMIME_DLL="$ROOT/src/SmimePipeline.Cli/bin/Release/net10.0/smime.dll"
[[ -f "$SMIME_DLL" ]] || { echo "build first: dotnet build SmimePipeline.sln -c Release" >&2; exit 1; }
mkdir -p "$OUT"
# shellcheck source=../../private-broker.sh
source "$ROOT/scripts/private-broker.sh"
trap stop_private_broker EXIT
start_private_broker "$OUT" s23-allocation-roles

machine() {
  echo "$(date -u +%H:%M:%S) UTC, load $(cut -d' ' -f1-3 /proc/loadavg), openssl rsa2048 sign/s on core 0:" \
    "$(taskset -c 0 openssl speed -seconds 3 rsa2048 2>/dev/null | awk '/^rsa 2048 bits/ {print $6}')"
}

machine | tee "$OUT/run-text.machine"
dotnet "$SMIME_DLL" bench pipeline --rabbitmq "$RABBITMQ" --messages "$MESSAGES" --warmup "$WARMUP" --message standard \
  --broker-pid "$BROKER_PID" --roles --allocation-check --work-dir "$OUT" >"$OUT/run-text.txt" 2>"$OUT/run-text.log"
cat "$OUT/run-text.txt"
grep -i "allocated per mail" "$OUT/run-text.log" || true

machine | tee "$OUT/run-json.machine"
dotnet "$SMIME_DLL" bench pipeline --rabbitmq "$RABBITMQ" --messages "$MESSAGES" --warmup "$WARMUP" --message standard \
  --broker-pid "$BROKER_PID" --roles --work-dir "$OUT" --json >"$OUT/run.json" 2>"$OUT/run-json.log"
python3 - "$OUT/run.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print("json run:", d["messagesPerSecond"], "msg/s;", round(d["allocatedBytesPerMail"] / 1024, 1), "KB per mail;", d["allocationCheck"]["reason"])
r = d["roles"]
for name in ("producer", "signer", "sender"):
    w = r.get(name + "Window")
    rate = r["mails"] / r[name]["seconds"]
    if w:
        print(f"{name}: alone {rate:.1f} msg/s over the phase; window {w['averageInside']} of {w['limit']} inside, "
              f"{w['residenceMilliseconds']} ms per place ({w['confirmWaitMilliseconds']} ms confirms) -> bound {w['maxMailsPerSecond']} msg/s")
PY
