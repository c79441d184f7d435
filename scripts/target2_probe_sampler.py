#!/usr/bin/env python3
"""Samples, while one `smime bench pipeline` run is going, what target 2's hypotheses are about (docs/performance-log.md "Issue 17,
session 11: where small mails wait in the mix"), and prints one JSON object when it gets SIGTERM (or SIGINT):

- run-queue delay (nanoseconds a thread was runnable but waited for a core: the second field of
  /proc/<pid>/task/<tid>/schedstat), summed over the threads of the broker's beam.smp, per thread name (1_scheduler,
  1_dirty_io_scheduler, ...), and of the smime process; each thread's growth is added up sample by sample (every
  0.25 s), so threads that end during the run still count;
- bytes each of them (and PostgreSQL's processes, the postmaster's children) wrote to storage (/proc/<pid>/io
  write_bytes), so that the disk's traffic can be told apart from other tenants';
- the block device: completed writes and flushes and the time the device spent on them (/proc/diskstats fields 5, 8,
  15, 17 after the name), so the mean write and flush latency over the run;
- the machine's runnable tasks (procs_running in /proc/stat).

  target2_probe_sampler.py --broker-pid PID [--smime-pid PID] [--postgres-pid POSTMASTER] --device vda

Only /proc is read; nothing is traced.
"""
import argparse
import json
import os
import signal
import sys
import time


def read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return None


def thread_stats(pid):
    """{tid: (name, run ns, wait ns)} of pid's live threads."""
    out = {}
    base = f"/proc/{pid}/task"
    try:
        tids = os.listdir(base)
    except OSError:
        return out
    for tid in tids:
        stat, comm = read(f"{base}/{tid}/schedstat"), read(f"{base}/{tid}/comm")
        if stat and comm:
            run, wait, _ = (int(x) for x in stat.split())
            out[tid] = ("".join("#" if c.isdigit() else c for c in comm.strip()), run, wait)
    return out


class Threads:
    """Adds up each thread's growth in run and wait time between samples, per thread name."""

    def __init__(self, pid):
        self.pid, self.last, self.per = pid, thread_stats(pid), {}

    def sample(self):
        now = thread_stats(self.pid)
        for tid, (name, run, wait) in now.items():
            _, r0, w0 = self.last.get(tid, (name, run, wait))
            acc = self.per.setdefault(name, [0, 0])
            acc[0] += run - r0
            acc[1] += wait - w0
        if now:
            self.last = now

    def totals(self):
        return {"cpuMs": round(sum(v[0] for v in self.per.values()) / 1e6, 1),
                "runQueueWaitMs": round(sum(v[1] for v in self.per.values()) / 1e6, 1)}

    def by_name(self):
        return {k: {"cpuMs": round(v[0] / 1e6, 1), "runQueueWaitMs": round(v[1] / 1e6, 1)} for k, v in self.per.items() if v[0] or v[1]}


def write_bytes(pid):
    for line in (read(f"/proc/{pid}/io") or "").splitlines():
        if line.startswith("write_bytes:"):
            return int(line.split()[1])
    return None


def children(parent):
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = read(f"/proc/{entry}/stat")
            if stat and int(stat[stat.rfind(")") + 1:].split()[1]) == parent:
                out.append(int(entry))
    return out



def tree_write_bytes(pid):
    """Bytes written by a process and its live children, each byte once: a PostgreSQL postmaster's own counter holds the
    bytes of every child it has reaped, so its live children's are added to it (session 16). None when pid is gone."""
    root = write_bytes(pid)
    if root is None:
        return None
    return root + sum(write_bytes(p) or 0 for p in children(pid))

class Writes:
    """Bytes written by a process (and, for PostgreSQL, by the postmaster's children) since the first sample. The
    postmaster's own counter holds the bytes of every child it has reaped, so the tree's total is the postmaster's counter
    plus its live children's, each byte once (session 16: adding up each pid's growth counted an exited child twice, once
    while it lived and again in the postmaster's counter)."""

    def __init__(self, pid, tree=False):
        self.pid, self.tree, self.total = pid, tree, 0
        self.first = self.now()

    def now(self):
        return tree_write_bytes(self.pid) if self.tree else write_bytes(self.pid)

    def sample(self):
        now = self.now()
        if now is not None and self.first is not None:
            # A process gone keeps the total it had.
            self.total = now - self.first


def disk(device):
    for line in (read("/proc/diskstats") or "").splitlines():
        f = line.split()
        if len(f) > 3 and f[2] == device:
            v = [int(x) for x in f[3:]]
            flushes = (v[14], v[15]) if len(v) >= 16 else (0, 0)
            return {"writes": v[4], "msWriting": v[7], "sectorsWritten": v[6], "flushes": flushes[0], "msFlushing": flushes[1]}
    return None


def running():
    for line in (read("/proc/stat") or "").splitlines():
        if line.startswith("procs_running"):
            return int(line.split()[1])
    return 0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--broker-pid", type=int, required=True)
    p.add_argument("--smime-pid", type=int)
    p.add_argument("--postgres-pid", type=int)
    p.add_argument("--device", default="vda")
    a = p.parse_args()
    start = time.monotonic()
    broker, smime = Threads(a.broker_pid), (Threads(a.smime_pid) if a.smime_pid else None)
    writes = {"broker": Writes(a.broker_pid)}
    if a.smime_pid:
        writes["smime"] = Writes(a.smime_pid)
    if a.postgres_pid:
        writes["postgres"] = Writes(a.postgres_pid, tree=True)
    d0 = disk(a.device)
    runq, stop, ticks = [], [], 0
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    while not stop:
        runq.append(running())
        broker.sample()
        if smime:
            smime.sample()
        if ticks % 4 == 0:
            for w in writes.values():
                w.sample()
        ticks += 1
        time.sleep(0.25)
    seconds = time.monotonic() - start
    d1 = disk(a.device)
    out = {"seconds": round(seconds, 2), "broker": broker.totals(), "brokerThreads": broker.by_name()}
    if smime:
        out["smime"] = smime.totals()
    out["mbWritten"] = {k: round(w.total / 1e6, 1) for k, w in writes.items()}
    if d0 and d1:
        dd = {k: d1[k] - d0[k] for k in d0}
        dd["meanWriteMs"] = round(dd["msWriting"] / dd["writes"], 3) if dd["writes"] else None
        dd["meanFlushMs"] = round(dd["msFlushing"] / dd["flushes"], 3) if dd["flushes"] else None
        dd["mbWritten"] = round(dd["sectorsWritten"] * 512 / 1e6, 1)
        out["disk"] = dd
    if runq:
        runq.sort()
        out["procsRunning"] = {"mean": round(sum(runq) / len(runq), 2), "p90": runq[int(len(runq) * 0.9)]}
    json.dump(out, sys.stdout)
    print()


if __name__ == "__main__":
    main()
