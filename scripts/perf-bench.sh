# Sourced, not run: the skeleton the profiling scripts share (profile-pipeline.sh, profile-gap.sh): a bench started with
# JIT code named for perf, waited for until it measures, its samples recorded with perf and written out as text.
#
#   perf_bench_require NAME DLL       exits the calling script unless perf is installed and DLL (smime.dll) exists
#   perf_bench_start DIR ARGS...      `dotnet ARGS` in DIR, in the background, with DOTNET_PerfMapEnabled=1 and
#                                     DOTNET_EnableWriteXorExecute=0; stdout in DIR/bench.json, stderr in DIR/bench.err;
#                                     sets BENCH_PID (the dotnet process)
#   perf_bench_wait_measuring WHO DIR returns once DIR/bench.err says "measuring"; when the bench ends first, exits the
#                                     calling script with "WHO stopped before measuring:" and the bench's stderr
#   perf_bench_record DIR SECONDS     `perf record -e cpu-clock -F 499 -g` of BENCH_PID for SECONDS into DIR/perf.data
#                                     (perf's own messages in DIR/perf.err)
#   perf_bench_script DIR             DIR/perf.data as text in DIR/perf.txt, what scripts/profile-charge.py and
#                                     scripts/profile_gap.py read

perf_bench_require() {
  command -v perf >/dev/null || { echo "$1: perf is not installed (Debian: apt-get install linux-perf)" >&2; exit 1; }
  [[ -f "$2" ]] || { echo "$1: $2 not found; build src/SmimePipeline.Cli -c Release first" >&2; exit 1; }
}

perf_bench_start() {
  local dir="$1"; shift
  (cd "$dir" && DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 exec dotnet "$@" >"$dir/bench.json" 2>"$dir/bench.err") &
  BENCH_PID=$!
}

perf_bench_wait_measuring() {
  until grep -q 'measuring' "$2/bench.err" 2>/dev/null; do
    kill -0 "$BENCH_PID" 2>/dev/null || { echo "$1 stopped before measuring:" >&2; cat "$2/bench.err" >&2; exit 1; }
    sleep 0.5
  done
}

perf_bench_record() {
  perf record -e cpu-clock -F 499 -g -p "$BENCH_PID" -o "$1/perf.data" -- sleep "$2" 2>"$1/perf.err"
}

perf_bench_script() {
  perf script -i "$1/perf.data" >"$1/perf.txt" 2>/dev/null
}
