#!/bin/bash
# Usage: scripts/bench-target3.sh (after `dotnet build src/SmimePipeline.Cli -c Release`); MSG=small for the small message.
# Target 3: why does our own work vary more than the crypto floor? One script, alternating, core 0.
#  A: warm-up 20 s (bench.sh's default)     B: warm-up 60 s (is the JIT still tiering at 20 s?)
#  C: DOTNET_TieredCompilation=0 (fully optimised code at once, no tiering, no PGO)
#  D: as A with a memory-streaming neighbour on core 1 (is our part memory-bound, the crypto not?)
DLL=${DLL:-$(cd "$(dirname "$0")/.." && pwd)/src/SmimePipeline.Cli/bin/Release/net10.0/smime.dll}
MSG=${MSG:-standard}
run() { local label=$1; shift; echo "== $label"; "$@" taskset -c 0 dotnet $DLL bench protect --message $MSG --key rsa2048 --threads 1 --seconds 8 --warmup $W | tail -2; }
taskset -c 0 openssl speed -seconds 5 rsa2048 2>/dev/null | tail -1
for round in 1 2; do
  W=20 run "A round $round warmup 20" env
  W=60 run "B round $round warmup 60" env
  W=10 run "C round $round TieredCompilation=0 warmup 10" env DOTNET_TieredCompilation=0
  taskset -c 1 python3 -c "
b = bytearray(256 << 20)
while True:
    c = bytes(b)
" & NEIGHBOUR=$!
  W=20 run "D round $round warmup 20, memory-streaming neighbour on core 1" env
  kill $NEIGHBOUR
done
