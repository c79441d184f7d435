#!/usr/bin/env bash
# What a 1.5 MB producer claim costs PostgreSQL, with and without releasing its content at the consumed mark (issue 17,
# session 12), in rotated rounds on one private server: `keep` revokes the role's UPDATE on content and length (the grants
# before session 12: the store then marks consumed only), `release` grants them back. Each run is `SmimePipeline.Benchmarks
# claim-costs` (see tests/SmimePipeline.Benchmarks/ClaimStatementCosts.cs): per statement WAL bytes, full-page images and
# PostgreSQL's CPU by process kind, per round the data pages written.
#
#   scripts/claim-costs-rounds.sh USER_CONNECTION SOCKET_DIR PORT POSTMASTER_PID PGDATA [claims=30] [order="keep release release keep"]
#
# USER_CONNECTION is the store's role (test.sh's `smime`, the table's owner); the socket directory, as the `postgres`
# superuser, runs the grants and the CHECKPOINTs. Build tests/SmimePipeline.Benchmarks -c Release first.
set -euo pipefail
user="$1" socket="$2" port="$3" pid="$4" pgdata="$5" claims="${6:-30}" order="${7:-keep release release keep}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
database="$(sed -E 's/.*Database=([^;]*).*/\1/' <<<"$user")"
role="$(sed -E 's/.*Username=([^;]*).*/\1/' <<<"$user")"
super="Host=$socket;Port=$port;Database=$database;Username=postgres"
psql_super() { psql -q -h "$socket" -p "$port" -U postgres -d "$database" -v ON_ERROR_STOP=1 -c "$1"; }
# The table must exist before its grants change: one tiny run creates it.
DOTNET_GCLOHThreshold=0x100000 dotnet "$root/tests/SmimePipeline.Benchmarks/bin/Release/net10.0/SmimePipeline.Benchmarks.dll" claim-costs "$user" "$super" "$pid" "$pgdata" 2 1 >/dev/null
for variant in $order; do
  if [[ $variant == keep ]]; then
    psql_super "REVOKE UPDATE ON smime_protect_claims FROM $role; GRANT UPDATE (consumed) ON smime_protect_claims TO $role"
  else
    psql_super "GRANT UPDATE ON smime_protect_claims TO $role"
  fi
  echo "=== $variant, $(date -u +%H:%M:%S), load $(cut -d' ' -f1-3 /proc/loadavg)"
  DOTNET_GCLOHThreshold=0x100000 dotnet "$root/tests/SmimePipeline.Benchmarks/bin/Release/net10.0/SmimePipeline.Benchmarks.dll" claim-costs "$user" "$super" "$pid" "$pgdata" "$claims" 2
done
psql_super "GRANT UPDATE ON smime_protect_claims TO $role"
