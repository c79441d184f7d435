-- What-if (issue 17, session 12): WAL of releasing a claim's content when it is consumed instead of deleting it after the
-- 1 h grace period. psql -h SOCKET -p PORT -U postgres -d DB -f scripts/claim-release-whatif.sql on a server that
-- holds at least one producer claim (it copies that one 30 times into a scratch table, dropped at the end).
\set QUIET on
DROP TABLE IF EXISTS claims_whatif;
CREATE TABLE claims_whatif (LIKE smime_protect_claims INCLUDING ALL);
CREATE TEMP TABLE template AS SELECT length, sha256, content FROM smime_protect_claims LIMIT 1;
-- ballast: one live claim at the end so VACUUM cannot truncate
SELECT pg_current_wal_lsn() AS l0 \gset
SELECT buffers_checkpoint + buffers_clean + buffers_backend AS b0 FROM pg_stat_bgwriter \gset
INSERT INTO claims_whatif SELECT gen_random_uuid(), now(), length, sha256, content FROM template, generate_series(1, 30);
SELECT pg_current_wal_lsn() AS l1 \gset
-- release the content at consumption, in the same checkpoint cycle (seconds after the insert)
UPDATE claims_whatif SET consumed = now(), content = '\x'::bytea, length = 0;
SELECT pg_current_wal_lsn() AS l2 \gset
CHECKPOINT;
SELECT pg_current_wal_lsn() AS l3 \gset
DELETE FROM claims_whatif WHERE consumed IS NOT NULL;
SELECT pg_current_wal_lsn() AS l4 \gset
VACUUM claims_whatif;
CHECKPOINT;
SELECT pg_current_wal_lsn() AS l5 \gset
SELECT pg_sleep(1.5);
SELECT pg_stat_clear_snapshot();
\pset tuples_only on
SELECT 'insert KB/claim ' || round(pg_wal_lsn_diff(:'l1', :'l0') / 1024 / 30) || ', release-at-consume UPDATE KB/claim ' || round(pg_wal_lsn_diff(:'l2', :'l1') / 1024 / 30) || ', delete of the emptied rows after a checkpoint KB/claim ' || round(pg_wal_lsn_diff(:'l4', :'l3') / 1024 / 30) || ', vacuum+checkpoint KB/claim ' || round(pg_wal_lsn_diff(:'l5', :'l4') / 1024 / 30);
SELECT 'data pages written MB/claim (all kinds, incl. extension) ' || round((buffers_checkpoint + buffers_clean + buffers_backend - :b0) * 8192.0 / 1048576 / 30, 2) FROM pg_stat_bgwriter;
DROP TABLE claims_whatif;
