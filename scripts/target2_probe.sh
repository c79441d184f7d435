#!/usr/bin/env bash
# Where small mails wait when large ones are in the mix (issue 17 target 2; docs/performance-log.md "Issue 17, session 11: where small
# mails wait in the mix"). Runs `smime bench pipeline` paced, alone and with every 10th mail ≈1.5 MB (producer claim
# check on, as scripts/bench.sh runs target 2), in rotated rounds of the variants named, and during the measured part of
# each run records the broker's and smime's run-queue delay and the disk's write and flush latency
# (scripts/target2_probe_sampler.py), and every fsync/fdatasync of the broker and of smime with its duration
# (`perf trace`, root only; --no-trace to skip it).
#
#   scripts/target2_probe.sh --out DIR [--rounds 3] [--rate 30] [--messages 1200] [--warmup 600]
#                            [--variants "alone mixed tmpfs nice"] [--no-trace]
#
# Variants: alone (standard mails only), mixed (every 10th ≈1.5 MB), tmpfs (mixed, the claim files and the pickup
# directory on /dev/shm: the large mails' file writes and fsyncs off the broker's disk), nice (mixed,
# Signer:LargeMailThresholdBytes=262144: large mails protected on threads at nice 10), sender<N> (mixed,
# Sender:LargeMailPlaces=N). Needs the private services of `scripts/test.sh --services-only` in the environment
# (SMIME_TEST_RABBITMQ_URI, SMIME_TEST_POSTGRES, ERL_EPMD_PORT) and a Release build of smime ($SMIME_DLL, default this
# tree's; a variant named base-X runs X with $BASE_DLL, an older build, for before/after in the same rounds). Prints one line per run;
# every run's JSON report, sampler figures and trace summary stay in DIR.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="" ROUNDS=3 RATE=30 MESSAGES=1200 WARMUP=600 VARIANTS="alone mixed tmpfs nice" TRACE=1 TRACE_SECONDS=15
while [[ $# -gt 0 ]]; do
  case "$1" in
    --out) OUT="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --rate) RATE="$2"; shift 2 ;;
    --messages) MESSAGES="$2"; shift 2 ;;
    --warmup) WARMUP="$2"; shift 2 ;;
    --variants) VARIANTS="$2"; shift 2 ;;
    --no-trace) TRACE=""; shift ;;
    *) echo "target2_probe.sh: unknown argument $1" >&2; exit 1 ;;
  esac
done
[[ -n "$OUT" ]] || { echo "target2_probe.sh: --out DIR is required" >&2; exit 1; }
: "${SMIME_TEST_RABBITMQ_URI:?source the export lines of scripts/test.sh --services-only first}"
: "${SMIME_TEST_POSTGRES:?}" "${ERL_EPMD_PORT:?}"
mkdir -p "$OUT"
SMIME_DLL="${SMIME_DLL:-$REPO_ROOT/src/SmimePipeline.Cli/bin/Release/net10.0/smime.dll}"
BROKER_PID="$(pgrep -f -- "beam.smp .* -epmd_port $ERL_EPMD_PORT( |\$)" | head -n 1)"
DEVICE="$(lsblk -no PKNAME "$(df --output=source /tmp | tail -1)" 2>/dev/null || true)"
DEVICE="${DEVICE:-$(basename "$(df --output=source /tmp | tail -1)")}"
SHM="/dev/shm/target2-probe-$$"
# The private PostgreSQL's postmaster: the process listening on the connection string's port.
PG_PORT="$(sed -nE 's/.*Port=([0-9]+).*/\1/p' <<<"$SMIME_TEST_POSTGRES")"
POSTMASTER="$(pgrep -f -- "postgres .*-p $PG_PORT( |\$)" | head -n 1 || true)"
[[ -z "$POSTMASTER" ]] && POSTMASTER="$(ss -ltnpH "sport = :$PG_PORT" 2>/dev/null | sed -nE 's/.*pid=([0-9]+).*/\1/p' | head -n 1)"
[[ -n "$TRACE" && $(id -u) -ne 0 ]] && { echo "target2_probe.sh: perf trace needs root; --no-trace" >&2; TRACE=""; }
trap 'rm -rf "$SHM"' EXIT

# run NAME VARIANT: one bench run; the sampler and the trace cover its measured part only (after "measuring.").
run() {
  local name="$1" variant="$2" env=() dll="$SMIME_DLL" args=(--messages "$MESSAGES" --rate "$RATE" --warmup "$WARMUP" --postgres "$SMIME_TEST_POSTGRES")
  # base-VARIANT: the same variant with the build in $BASE_DLL (before/after in the same rounds).
  if [[ "$variant" == base-* ]]; then dll="${BASE_DLL:?base-* variants need BASE_DLL}"; variant="${variant#base-}"; fi
  case "$variant" in
    alone) ;;
    mixed) args+=(--large-every 10) ;;
    tmpfs) args+=(--large-every 10); mkdir -p "$SHM"; env+=(TMPDIR="$SHM") ;;
    nice) args+=(--large-every 10); env+=(SmimePipeline__Signer__LargeMailThresholdBytes=262144) ;;
    sender*) args+=(--large-every 10); env+=(SmimePipeline__Sender__LargeMailPlaces="${variant#sender}") ;;
    *) echo "target2_probe.sh: unknown variant $variant" >&2; exit 1 ;;
  esac
  local load; load="$(cut -d' ' -f1-3 /proc/loadavg)"
  env "${env[@]}" dotnet "$dll" bench pipeline --rabbitmq "$SMIME_TEST_RABBITMQ_URI" --message standard \
    --broker-pid "$BROKER_PID" --json "${args[@]}" >"$OUT/$name.json" 2>"$OUT/$name.err" &
  local bench=$! sampler="" tracer=""
  until grep -q 'measuring\.' "$OUT/$name.err" 2>/dev/null || ! kill -0 "$bench" 2>/dev/null; do sleep 0.2; done
  python3 "$REPO_ROOT/scripts/target2_probe_sampler.py" --broker-pid "$BROKER_PID" --smime-pid "$bench" ${POSTMASTER:+--postgres-pid "$POSTMASTER"} --device "$DEVICE" >"$OUT/$name.sampler.json" &
  sampler=$!
  if [[ -n "$TRACE" ]]; then
    # A window of TRACE_SECONDS from 10 s into the measured part: perf trace took ≈ 19 % of a core while it followed the
    # broker's syscalls, so it does not run the whole time. SIGTERM: a background job of a script ignores SIGINT.
    (sleep 10; exec timeout -s TERM "$TRACE_SECONDS" perf trace -e fdatasync,fsync -p "$BROKER_PID,$bench" -o "$OUT/$name.trace") 2>/dev/null &
    tracer=$!
  fi
  wait "$bench" || echo "[probe] $name: bench exited $?" >&2
  kill -TERM "$sampler" 2>/dev/null; wait "$sampler" || true
  if [[ -n "$tracer" ]]; then wait "$tracer" || true; fi
  # Builds older than session 11 leave their consumed claims for the sweeper (an hour): this probe's private PostgreSQL
  # holds only this probe's claims, so each run starts from an empty table whatever the build.
  PGPASSWORD="$(sed -nE 's/.*Password=([^;]+).*/\1/p' <<<"$SMIME_TEST_POSTGRES")" psql -q -h 127.0.0.1 -p "$PG_PORT" \
    -U "$(sed -nE 's/.*Username=([^;]+).*/\1/p' <<<"$SMIME_TEST_POSTGRES")" -d "$(sed -nE 's/.*Database=([^;]+).*/\1/p' <<<"$SMIME_TEST_POSTGRES")" \
    -c "DELETE FROM smime_protect_claims WHERE consumed IS NOT NULL" >/dev/null 2>&1 || echo "[probe] could not empty smime_protect_claims" >&2
  python3 - "$OUT/$name" "$variant" "$load" "$BROKER_PID" <<'PY'
import json, os, re, sys
base, variant, load, broker = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
r = json.load(open(base + ".json"))
s = json.load(open(base + ".sampler.json"))
pct = lambda xs, q: sorted(xs)[min(len(xs) - 1, int(len(xs) * q))] if xs else float("nan")
syncs = {"broker": [], "smime": []}
try:
    for line in open(base + ".trace"):
        m = re.search(r"\(\s*([\d.]+) ms\): ([^/]+)/(\d+) (fdatasync|fsync)", line)
        if m:
            syncs["broker" if os.path.exists(f"/proc/{broker}/task/{m.group(3)}") else "smime"].append(float(m.group(1)))
except FileNotFoundError:
    pass
st = r.get("stages") or {}
g = lambda k: st.get(k, {}).get("p99Milliseconds", float("nan"))
d, b = s.get("disk", {}), s.get("broker", {})
n = r["messages"]
summary = {"variant": variant, "load": load, "p50": r["latencyP50Milliseconds"], "p99": r["latencyP99Milliseconds"],
           "largeP99": r["largeLatencyP99Milliseconds"], "msgPerSec": r["messagesPerSecond"], "delivered": r["delivered"],
           "publishConfirmP99": g("publish"), "handOverP99": g("handOver"), "senderQueueP99": g("senderQueue"),
           "signerWaitP99": g("signerWait"), "deliveryP99": g("delivery"),
           "brokerRunQueueMsPerS": b.get("runQueueWaitMs", 0) / s["seconds"], "brokerCpuMsPerMail": r.get("brokerCpuMillisecondsPerMail"),
           "smimeRunQueueMsPerS": s.get("smime", {}).get("runQueueWaitMs", 0) / s["seconds"],
           "mbWrittenBy": s.get("mbWritten"), "diskWriteMs": d.get("meanWriteMs"), "diskFlushMs": d.get("meanFlushMs"), "diskMB": d.get("mbWritten"), "diskFlushes": d.get("flushes"),
           "brokerSyncs": len(syncs["broker"]), "brokerSyncMeanMs": sum(syncs["broker"]) / len(syncs["broker"]) if syncs["broker"] else None,
           "brokerSyncP99Ms": pct(syncs["broker"], 0.99), "smimeSyncs": len(syncs["smime"]),
           "smimeSyncMeanMs": sum(syncs["smime"]) / len(syncs["smime"]) if syncs["smime"] else None,
           "machineCpuMsPerMail": r.get("machineCpuMillisecondsPerMail"), "postgresCpuMsPerMail": r.get("postgresCpuMillisecondsPerMail")}
json.dump(summary, open(base + ".summary.json", "w"))
f = lambda x, p=1: "-" if x is None else f"{x:.{p}f}"
print(f"{base.rsplit('/',1)[1]:<14} load {load:<15} p50 {f(summary['p50'])} p99 {f(summary['p99'])} large p99 {f(summary['largeP99'],0)} "
      f"{f(summary['msgPerSec'])} msg/s | p99 confirm {f(g('publish'))} handover {f(g('handOver'))} senderQ {f(g('senderQueue'))} slot {f(g('signerWait'))} "
      f"| beam runq {f(summary['brokerRunQueueMsPerS'])} ms/s smime runq {f(summary['smimeRunQueueMsPerS'])} ms/s | disk write {f(summary['diskWriteMs'],2)} ms "
      f"flush {f(summary['diskFlushMs'],2)} ms {f(summary['diskMB'])} MB (written by {summary['mbWrittenBy']}) | beam syncs {summary['brokerSyncs']} mean {f(summary['brokerSyncMeanMs'],2)} p99 {f(summary['brokerSyncP99Ms'],1)} ms "
      f"smime syncs {summary['smimeSyncs']} mean {f(summary['smimeSyncMeanMs'],2)} ms")
PY
}

i=0
read -ra ORDER <<<"$VARIANTS"
for round in $(seq 1 "$ROUNDS"); do
  # Rotate the order by one each round: every variant takes every position once in len(variants) rounds.
  for k in $(seq 0 $((${#ORDER[@]} - 1))); do
    variant="${ORDER[$(((k + round - 1) % ${#ORDER[@]}))]}"
    run "$variant-$round" "$variant" | tee -a "$OUT/summary.txt"
    i=$((i + 1))
  done
done
