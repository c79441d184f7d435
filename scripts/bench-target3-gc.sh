#!/bin/bash
# Usage: scripts/bench-target3-gc.sh [standard|small] [rounds] (after `dotnet build tests/SmimePipeline.Benchmarks -c Release`;
# DLL=path to another build's SmimePipeline.Benchmarks.dll to measure that one).
# Target 3, session 8: does the GC explain why own work grows more than the crypto's on some machines? The same
# build, one GC knob changed at a time against the worker's default (server GC, DATAS, budget from the runtime's
# cache reading), in alternating order within each round. Each line: OwnWorkCpu's JSON (own work and floor in process
# CPU time, collections per 1,000 mails, pause µs per mail, bytes per gen-0 collection = the budget in effect).
DLL=${DLL:-$(cd "$(dirname "$0")/.." && pwd)/tests/SmimePipeline.Benchmarks/bin/Release/net10.0/SmimePipeline.Benchmarks.dll}
MSG=${1:-standard}
ROUNDS=${2:-2}
PAIRS=${PAIRS:-10}
WARMUP=${WARMUP:-8}
settings=(
  "default (server, DATAS)|DOTNET_gcServer=1"
  "gen0 256 KB (no cache reported)|DOTNET_gcServer=1 DOTNET_GCgen0size=0x40000"
  "gen0 1 MB|DOTNET_gcServer=1 DOTNET_GCgen0size=0x100000"
  "gen0 16 MB|DOTNET_gcServer=1 DOTNET_GCgen0size=0x1000000"
  "gen0 64 MB|DOTNET_gcServer=1 DOTNET_GCgen0size=0x4000000"
  "server, DATAS off|DOTNET_gcServer=1 DOTNET_GCDynamicAdaptationMode=0"
  "workstation|DOTNET_gcServer=0"
  "server, not concurrent|DOTNET_gcServer=1 DOTNET_gcConcurrent=0"
  "server, ConserveMemory 5|DOTNET_gcServer=1 DOTNET_GCConserveMemory=5"
  "TieredPGO off|DOTNET_gcServer=1 DOTNET_TieredPGO=0"
)
uptime
for round in $(seq 1 "$ROUNDS"); do
  for entry in "${settings[@]}"; do
    label=${entry%%|*}; vars=${entry#*|}
    echo "round $round | $label | $(env $vars dotnet "$DLL" own-cpu "$MSG" "$PAIRS" "$WARMUP")"
  done
done
uptime
