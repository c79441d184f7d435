#!/usr/bin/env bash
# usage: own-micro-rounds.sh MODE N SLICES ORDER
mode=$1; n=$2; slices=$3; order=$4
for ((i=0;i<${#order};i++)); do
  v=${order:i:1}
  out=$(taskset -c 1 dotnet /tmp/own-micro-$v/smime-fuzz.dll $mode $n $slices | grep slice | tail -n 3)
  med=$(echo "$out" | awk '{print $3}' | sort -n | sed -n 2p)
  alloc=$(echo "$out" | tail -1 | grep -o '[0-9]* B per' | awk '{print $1}')
  echo "run $((i+1)) $v load $(cut -d' ' -f1 /proc/loadavg): median $med µs, $alloc B"
done
