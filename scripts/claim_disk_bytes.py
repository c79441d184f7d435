#!/usr/bin/env python3
"""What a stream of 1.5 MB producer claims writes to disk through PostgreSQL (issue 17, session 16).

Runs the claim's life as the pipeline does it (`PostgresProtectClaimStore`: INSERT of the whole claim, the signer's
SELECT, then the consumed mark that releases the content) with pgbench at a fixed pace, against a PostgreSQL of the
caller's (superuser over TCP, trust or PGPASSWORD), and reports per claim:
  - WAL bytes and full-page images (pg_stat_wal), WAL written beyond that (segment zero-fill: wal_init_zero),
  - data pages written by the checkpointer, the background writer and the backends (pg_stat_bgwriter),
  - bytes the server's processes sent to storage (/proc/<pid>/io write_bytes of the postmaster, which holds its reaped
    children's, plus its live children's: each byte once),
  - the TOAST table's growth (pg_relation_size),
for the run itself and for a CHECKPOINT after it (what the next checkpoint would write of the run's pages anyway),
and, optionally, the bench's run-end DELETE of the consumed claims and its VACUUM.

Usage: claim_disk_bytes.py --port P [--host 127.0.0.1] [--user postgres] [--database postgres] [--claims 300]
         [--rate 15] [--clients 8] [--hold-ms 1500] [--setup-sql SQL] [--cleanup] [--label NAME]
Claims are copied server-side from a table `claim_disk_blobs` of 16 random 1,545,071-byte values (made on first use),
so the bytes are incompressible like the bench's large mail and cross no socket; the WAL, TOAST and page writes are those
of an INSERT with the value as a parameter. Not part of CI.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

from target2_probe_sampler import children, tree_write_bytes  # the same /proc readers as the target-2 probe

CLAIM_BYTES = 1_545_071
TABLE = "smime_protect_claims"


def psql(args, sql, single=True):
    cmd = ["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h", args.host, "-p", str(args.port), "-U", args.user,
           "-d", args.database, "-F", "|"]
    out = subprocess.run(cmd + (["-c", sql] if single else []), input=None if single else sql, text=True,
                         capture_output=True, check=True).stdout.strip()
    return out


def server_writes(postmaster):
    return tree_write_bytes(postmaster) or 0


def cpu_ticks(pid, with_reaped):
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    # utime, stime (fields 14, 15), and for the postmaster its reaped children's cutime, cstime (16, 17).
    return sum(int(x) for x in fields[11:15 if with_reaped else 13])


def server_cpu_seconds(postmaster):
    ticks = cpu_ticks(postmaster, True) + sum(cpu_ticks(c, False) for c in children(postmaster))
    return ticks / os.sysconf("SC_CLK_TCK")


def snapshot(args, postmaster):
    row = psql(args, "SELECT w.wal_records, w.wal_fpi, w.wal_bytes, b.checkpoints_timed + b.checkpoints_req, "
                     "b.buffers_checkpoint, b.buffers_clean, b.buffers_backend, "
                     f"pg_relation_size(c.reltoastrelid), pg_relation_size(c.oid), pg_current_wal_lsn() - '0/0'::pg_lsn, "
                     "(SELECT count(*) FROM pg_ls_waldir()) "
                     f"FROM pg_stat_wal w, pg_stat_bgwriter b, pg_class c WHERE c.relname = '{TABLE}'")
    f = row.split("|")
    return {"walRecords": int(f[0]), "fpi": int(f[1]), "walBytes": int(f[2]), "checkpoints": int(f[3]),
            "buffersCheckpoint": int(f[4]), "buffersClean": int(f[5]), "buffersBackend": int(f[6]),
            "toastBytes": int(f[7]), "heapBytes": int(f[8]), "lsn": int(float(f[9])), "walFiles": int(f[10]),
            "serverWriteBytes": server_writes(postmaster), "cpu": server_cpu_seconds(postmaster), "at": time.time()}


def delta(a, b, claims):
    mb = 1e6
    pages = (b["buffersCheckpoint"] - a["buffersCheckpoint"]) + (b["buffersClean"] - a["buffersClean"]) + \
        (b["buffersBackend"] - a["buffersBackend"])
    return {
        "claims": claims,
        "seconds": round(b["at"] - a["at"], 1),
        "walMBPerClaim": round((b["walBytes"] - a["walBytes"]) / mb / claims, 3),
        "fpiPerClaim": round((b["fpi"] - a["fpi"]) / claims, 1),
        "dataPagesMBPerClaim": round(pages * 8192 / mb / claims, 3),
        "byCheckpointerMB": round((b["buffersCheckpoint"] - a["buffersCheckpoint"]) * 8192 / mb / claims, 3),
        "byBgwriterMB": round((b["buffersClean"] - a["buffersClean"]) * 8192 / mb / claims, 3),
        "byBackendsMB": round((b["buffersBackend"] - a["buffersBackend"]) * 8192 / mb / claims, 3),
        "serverWriteMBPerClaim": round((b["serverWriteBytes"] - a["serverWriteBytes"]) / mb / claims, 3),
        "serverCpuMsPerClaim": round(1000 * (b["cpu"] - a["cpu"]) / claims, 2),
        "checkpoints": b["checkpoints"] - a["checkpoints"],
        "toastGrowthMB": round((b["toastBytes"] - a["toastBytes"]) / mb, 1),
        "toastMB": round(b["toastBytes"] / mb, 1),
        "walFiles": b["walFiles"],
    }


LIFE = """\\set b random(1, 16)
\\set r random(1, 9000000000000000)
INSERT INTO {t} (id, created, length, sha256, content) SELECT md5(:client_id || '-' || :r)::uuid, now(), octet_length(content), sha256(content), content FROM claim_disk_blobs WHERE n = :b;
\\sleep {half} ms
SELECT octet_length(content), sha256, consumed, CASE WHEN octet_length(content) <= 20000000 THEN content END FROM {t} WHERE id = md5(:client_id || '-' || :r)::uuid;
\\sleep {half} ms
UPDATE {t} SET consumed = now(), content = substring(content FROM 1 FOR 24), length = LEAST(length, 24) WHERE id = md5(:client_id || '-' || :r)::uuid AND consumed IS NULL;
"""


def ensure_blobs(args):
    if psql(args, "SELECT to_regclass('claim_disk_blobs') IS NOT NULL") == "t" and \
            psql(args, "SELECT count(*) FROM claim_disk_blobs") == "16":
        return
    psql(args, "DROP TABLE IF EXISTS claim_disk_blobs; CREATE TABLE claim_disk_blobs (n int PRIMARY KEY, content bytea); "
               "ALTER TABLE claim_disk_blobs ALTER COLUMN content SET STORAGE EXTERNAL")
    for n in range(1, 17):
        import base64
        sql = f"INSERT INTO claim_disk_blobs VALUES ({n}, decode('{base64.b64encode(os.urandom(CLAIM_BYTES)).decode()}', 'base64'));"
        psql(args, sql, single=False)
    psql(args, "CHECKPOINT")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--user", default="postgres")
    p.add_argument("--database", default="postgres")
    p.add_argument("--claims", type=int, default=300)
    p.add_argument("--rate", type=float, default=15.0)
    p.add_argument("--clients", type=int, default=8)
    p.add_argument("--hold-ms", type=int, default=1500, help="INSERT to consumed mark (the SELECT half way)")
    p.add_argument("--setup-sql", default="", help="run before the measured part (e.g. a storage parameter)")
    p.add_argument("--cleanup", action="store_true", help="also measure the bench's run-end DELETE + VACUUM")
    p.add_argument("--vacuum-every-ms", type=int, default=0,
                   help="VACUUM the claim table this often during the run (what a signer could do; 0 = autovacuum only)")
    p.add_argument("--reset", action="store_true", help="start from an empty claim table (TRUNCATE, CHECKPOINT first)")
    p.add_argument("--label", default="run")
    args = p.parse_args()

    ensure_blobs(args)
    if args.reset:
        psql(args, f"TRUNCATE {TABLE}")
    if args.setup_sql:
        psql(args, args.setup_sql)
    psql(args, "CHECKPOINT")
    with open(os.path.join(psql(args, "SHOW data_directory"), "postmaster.pid")) as f:
        postmaster = int(f.readline())
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
        f.write(LIFE.format(t=TABLE, half=args.hold_ms // 2))
        script = f.name
    try:
        per_client = max(1, args.claims // args.clients)
        claims = per_client * args.clients
        s0 = snapshot(args, postmaster)
        env = dict(os.environ)
        stop = threading.Event()
        vacuums = []

        def vacuum_loop():
            while not stop.wait(args.vacuum_every_ms / 1000):
                t = time.time()
                psql(args, f"VACUUM {TABLE}")
                vacuums.append(time.time() - t)

        vacuumer = threading.Thread(target=vacuum_loop, daemon=True)
        if args.vacuum_every_ms > 0:
            vacuumer.start()
        subprocess.run(["pgbench", "-n", "-h", args.host, "-p", str(args.port), "-U", args.user, "-f", script,
                        "-c", str(args.clients), "-j", "2", "-t", str(per_client), "-R", str(args.rate), args.database],
                       check=True, capture_output=True, text=True, env=env)
        stop.set()
        if vacuumer.is_alive():
            vacuumer.join()
        s1 = snapshot(args, postmaster)
        psql(args, "CHECKPOINT")
        s2 = snapshot(args, postmaster)
        report = {"label": args.label, "setup": args.setup_sql, "rate": args.rate, "holdMs": args.hold_ms,
                  "vacuums": len(vacuums), "vacuumMeanMs": round(1000 * sum(vacuums) / len(vacuums), 1) if vacuums else None,
                  "load": open("/proc/loadavg").read().split()[0],
                  "run": delta(s0, s1, claims), "checkpointAfter": delta(s1, s2, claims), "runPlusCheckpoint": delta(s0, s2, claims)}
        if args.cleanup:
            psql(args, f"DELETE FROM {TABLE} WHERE consumed IS NOT NULL")
            psql(args, f"VACUUM {TABLE}")
            psql(args, "CHECKPOINT")
            s3 = snapshot(args, postmaster)
            report["deleteVacuumCheckpoint"] = delta(s2, s3, claims)
        print(json.dumps(report))
    finally:
        os.unlink(script)


if __name__ == "__main__":
    sys.exit(main())
