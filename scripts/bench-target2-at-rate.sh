#!/usr/bin/env bash
# Target 2 at a fixed pace (RATE, default session 11's 115.7 msg/s), 3 rounds alone/mixed alternating, producer claim
# check on; then `bench protect` 1 and 2 threads twice. Usage: [RATE=R] scripts/bench-target2-at-rate.sh [OUT_DIR]. Not part of CI; build Release first.
set -u
REPO="$(cd "$(dirname "$0")/.." && pwd)"; OUT=${1:-/tmp/t212}; mkdir -p "$OUT"; RATE=${RATE:-115.7}
DLL=$REPO/src/SmimePipeline.Cli/bin/Release/net10.0/smime.dll
# shellcheck source=scripts/private-broker.sh
source "$REPO/scripts/private-broker.sh"
trap stop_private_broker EXIT
start_private_broker "$OUT" bench-target2-at-rate.sh
for t2 in 1 2 3; do
  if (( t2 % 2 )); then order=(paced mixed); else order=(mixed paced); fi
  for v in "${order[@]}"; do
    large=(); [[ $v == mixed ]] && large=(--large-every 10)
    echo "$v-$t2 load $(cut -d' ' -f1 /proc/loadavg)"
    dotnet "$DLL" bench pipeline --rabbitmq "$RABBITMQ" --message standard --warmup 1500 --broker-pid "$BROKER_PID" --json \
      --messages 1500 --rate "$RATE" "${large[@]}" --postgres "$SMIME_TEST_POSTGRES" > "$OUT/$v-$t2.json" 2> "$OUT/$v-$t2.err"
  done
done
python3 - "$OUT" <<'PY'
import json,sys,math
d=sys.argv[1]
def p99(v):
    v=sorted(v); return v[max(0,math.ceil(0.99*len(v))-1)]
A=[];M=[]
for k in (1,2,3):
    a=json.load(open(f"{d}/paced-{k}.json")); m=json.load(open(f"{d}/mixed-{k}.json"))
    A+=a['latenciesMilliseconds']; M+=m['latenciesMilliseconds']
    print(k, 'alone', a['messagesPerSecond'], a['latencyP99Milliseconds'], a['machineCpuMillisecondsPerMail'], a.get('deliveryAttemptsInProcess'),
          '| mixed', m['messagesPerSecond'], m['latencyP99Milliseconds'], m['largeLatencyP99Milliseconds'], m['machineCpuMillisecondsPerMail'], m.get('deliveryAttemptsInProcess'),
          'ratio', round(m['latencyP99Milliseconds']/a['latencyP99Milliseconds'],2))
print('pooled', round(p99(A),1), round(p99(M),1), round(p99(M)/p99(A),2))
PY
for i in 1 2; do
  for t in 1 2; do
    DOTNET_GCLOHThreshold=0x14C08 taskset -c 0,1 dotnet "$DLL" bench protect --seconds 10 --warmup 20 --json --message standard --key rsa2048 --threads $t > "$OUT/protect-$t-$i.json"
    python3 -c "import json;r=json.load(open('$OUT/protect-$t-$i.json'));print('protect threads $t', r['results'][0]['messagesPerSecond'])"
  done
done
