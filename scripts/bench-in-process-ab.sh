#!/usr/bin/env bash
# Quiet A/B of Signer:DeliverInProcess (Off vs WaitForPlace), flat out, runs in the order Off WFP WFP Off Off WFP, one
# private broker (scripts/test.sh --services-only). Usage: scripts/bench-in-process-ab.sh [OUT_DIR]. Not part of CI; build Release first.
set -u
REPO="$(cd "$(dirname "$0")/.." && pwd)"; OUT=${1:-/tmp/ab12}; mkdir -p "$OUT"
DLL=$REPO/src/SmimePipeline.Cli/bin/Release/net10.0/smime.dll
# shellcheck source=scripts/private-broker.sh
source "$REPO/scripts/private-broker.sh"
trap stop_private_broker EXIT
start_private_broker "$OUT" bench-in-process-ab.sh
taskset -c 0 openssl speed -seconds 5 rsa2048 2>/dev/null | awk '/^rsa 2048 bits/ {print "openssl sign/s", $6}'
i=0
for mode in Off WaitForPlace WaitForPlace Off Off WaitForPlace; do
  i=$((i+1))
  echo "run $i $mode load $(cut -d' ' -f1 /proc/loadavg)"
  SmimePipeline__Signer__DeliverInProcess=$mode dotnet "$DLL" bench pipeline --rabbitmq "$RABBITMQ" --message standard \
    --messages 4000 --warmup 1500 --broker-pid "$BROKER_PID" --json > "$OUT/run$i-$mode.json" 2> "$OUT/run$i-$mode.err"
  python3 - "$OUT/run$i-$mode.json" <<'PY'
import json,sys; r=json.load(open(sys.argv[1]))
keys=['messagesPerSecond','processCpuMillisecondsPerMail','brokerCpuMillisecondsPerMail','machineCpuMillisecondsPerMail','allocatedBytesPerMail','deliveryAttemptsInProcess','latencyP99Milliseconds']
print({k:r.get(k) for k in keys})
PY
done
