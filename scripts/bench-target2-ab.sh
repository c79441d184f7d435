#!/usr/bin/env bash
# Target 2 A/B at a fixed pace: variants (builds and/or settings) in rotated rounds on one private broker and PostgreSQL,
# producer claim check on, every 10th mail ≈ 1.5 MB in the mixed runs (issue 17, session 13).
# Usage: [RATE=115.7] [ROUNDS=3] [MESSAGES=1500] [WARMUP=1500] [MESSAGE=standard] scripts/bench-target2-ab.sh OUT_DIR VARIANT...
#   VARIANT is LABEL:KIND:BUILD_DIR[:NAME=VALUE,...], KIND alone or mixed, BUILD_DIR a Release output holding smime.dll
#   (copy one aside before rebuilding), NAME=VALUE environment settings for that run (e.g.
#   SmimePipeline__Signer__DeliverInProcess=Off). Round r starts at variant r (rotated by one each round). MESSAGE=large
#   makes every mail of an alone run ≈ 1.5 MB (session 14: what one large mail costs, CPU per mail in the summary).
# Per run: load average at its start, msg/s, small mails' p99, large p99, in-process attempts and decisions, stage p99s
# (session 15: also the ESP's answer to the attempt's end, p99 / mean, i.e. the EmailDelivered confirm); per round
# `openssl speed -seconds 3 rsa2048` on core 0 (OUT/openssl.txt); session 16: PostgreSQL's bytes written and WAL per run
# (OUT/LABEL-R.pg) and per large mail in the summary;
# then the pooled p99 per label and each mixed label's ratio to the pooled p99 of the alone label(s). Not part of CI.
set -u
REPO="$(cd "$(dirname "$0")/.." && pwd)"; OUT=${1:?OUT_DIR}; shift; mkdir -p "$OUT"
RATE=${RATE:-115.7}; ROUNDS=${ROUNDS:-3}; MESSAGES=${MESSAGES:-1500}; WARMUP=${WARMUP:-1500}; MESSAGE=${MESSAGE:-standard}
VARIANTS=("$@"); (( ${#VARIANTS[@]} > 0 )) || { echo "give at least one LABEL:KIND:BUILD_DIR" >&2; exit 2; }
# shellcheck source=scripts/private-broker.sh
source "$REPO/scripts/private-broker.sh"
trap stop_private_broker EXIT
start_private_broker "$OUT" bench-target2-ab.sh
n=${#VARIANTS[@]}
# Session 16: what PostgreSQL wrote during each run (warm-up and the bench's run-end DELETE + VACUUM included): bytes its
# processes sent to storage (/proc/PID/io write_bytes of the postmaster, which holds its reaped children's, plus its live
# children's: each byte once) and its WAL (pg_stat_wal), in OUT/LABEL-R.pg as "write_bytes wal_bytes mails" (warm-up + run).
PG_PORT="$(sed -nE 's/.*Port=([0-9]+).*/\1/p' <<<"$SMIME_TEST_POSTGRES")"
POSTMASTER="$(pgrep -f -- "postgres .*-p $PG_PORT( |\$)" | head -n 1 || true)"
pg_writes() {
  [[ -n $POSTMASTER ]] || { echo 0; return; }
  # The same reader as target2_probe_sampler.py's and claim_disk_bytes.py's: postmaster + live children, each byte once.
  python3 -c 'import sys; sys.path.insert(0, sys.argv[1]); from target2_probe_sampler import tree_write_bytes; print(tree_write_bytes(int(sys.argv[2])) or 0)' \
    "$REPO/scripts" "$POSTMASTER"
}
pg_wal() {
  PGPASSWORD="$(sed -nE 's/.*Password=([^;]+).*/\1/p' <<<"$SMIME_TEST_POSTGRES")" psql -X -At -h 127.0.0.1 -p "$PG_PORT" \
    -U "$(sed -nE 's/.*Username=([^;]+).*/\1/p' <<<"$SMIME_TEST_POSTGRES")" \
    -d "$(sed -nE 's/.*Database=([^;]+).*/\1/p' <<<"$SMIME_TEST_POSTGRES")" -c "SELECT wal_bytes FROM pg_stat_wal" 2>/dev/null || echo 0
}
for (( r = 1; r <= ROUNDS; r++ )); do
  # The machine's speed beside each round (session 15): RSA-2048 signatures per second on core 0, as bench.sh measures it.
  echo "round $r $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg) openssl rsa2048 $(taskset -c 0 openssl speed -seconds 3 rsa2048 2>/dev/null \
    | awk '/^rsa 2048/ {print $6; exit}') sign/s" | tee -a "$OUT/openssl.txt"
  for (( i = 0; i < n; i++ )); do
    IFS=: read -r label kind dir envs <<< "${VARIANTS[(( (r - 1 + i) % n ))]}"
    large=(); [[ $kind == mixed ]] && large=(--large-every 10)
    settings=(); [[ -n ${envs:-} ]] && IFS=, read -r -a settings <<< "$envs"
    echo "$label-$r $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/runs.txt"
    w0=$(pg_writes); l0=$(pg_wal)
    env "${settings[@]}" dotnet "$dir/smime.dll" bench pipeline --rabbitmq "$RABBITMQ" --message "$MESSAGE" --warmup "$WARMUP" \
      --broker-pid "$BROKER_PID" --json --messages "$MESSAGES" --rate "$RATE" "${large[@]}" --postgres "$SMIME_TEST_POSTGRES" \
      > "$OUT/$label-$r.json" 2> "$OUT/$label-$r.err"
    echo "$(( $(pg_writes) - w0 )) $(awk -v a="$(pg_wal)" -v b="$l0" 'BEGIN {printf "%.0f", a - b}') $(( MESSAGES + WARMUP ))" > "$OUT/$label-$r.pg"
  done
done
python3 "$REPO/scripts/bench_target2_summary.py" "$OUT"
