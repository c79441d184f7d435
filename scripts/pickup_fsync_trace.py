#!/usr/bin/env python3
"""Where a pickup file's time goes, small files against large ones (issue 17, target 2, session 17).

Reads the output of `perf trace -e openat,pwrite64,sync_file_range,fsync,rename,close -p <smime> -o FILE` taken during a
`smime bench pipeline --large-every 10` run and follows each pickup file on the thread that wrote it: create (the
temporary file's openat with CREAT|EXCL), write (its pwrite64 calls, and its sync_file_range calls in a build that starts
a large file's write-back in chunks, as session 17 tried), its fsync, its rename. A file of 1 MB or more is large. Prints per size the p50 / p90 / p99 / max of
each step in milliseconds, then the small files' fsync split by whether it overlapped a large file's time on the disk
(from the large file's first write to the end of its fsync: written plainly, its 2.8 MB go to the disk in its fsync;
with early write-back, while it is written). The directory's fsync is left out: a caller that joins a group commit has its
directory flushed on another thread (DirectoryFlushGroup), so it cannot be told per file from a per-thread trace.

  scripts/pickup_fsync_trace.py TRACE [TRACE...]          one block per trace
  scripts/pickup_fsync_trace.py --json TRACE              the same figures as JSON
"""
import json
import re
import sys

from fsync_coupling import percentile  # the same rank as the fsync figures it is read beside

LARGE_BYTES = 1_000_000
_DONE = re.compile(r"^\s*([\d.]+) \(\s*([\d.]+) ms\): (.+?)/(\d+) (\w+)\((.*)\)\s+= (-?\d+)")
_STARTED = re.compile(r"^\s*([\d.]+) \(\s*\): (.+?)/(\d+) (\w+)\((.*)\)\s+\.\.\.")
_CONTINUED = re.compile(r"^\s*([\d.]+) \(\s*([\d.]+) ms\): (.+?)/(\d+)\s+\.\.\. \[continued\]: (\w+)\(\)\)\s+= (-?\d+)")


def calls(lines):
    """(start ms, duration ms, tid, call, args, result) per finished call; perf's interrupted lines joined."""
    pending = {}
    for line in lines:
        m = _DONE.match(line)
        if m:
            yield float(m[1]), float(m[2]), m[4], m[5], m[6], int(m[7])
            continue
        m = _STARTED.match(line)
        if m:
            pending[m[3]] = (float(m[1]), m[4], m[5])
            continue
        m = _CONTINUED.match(line)
        if m and m[4] in pending:
            start, call, args = pending.pop(m[4])
            yield start, float(m[2]), m[4], call, args, int(m[6])


def _on(fd, args):
    return re.match(rf"fd: {fd}(?:[,<)]|$)", args) is not None


def pickup_files(lines):
    """One dict per pickup file seen from its create to its rename: size, create, write, fsync, rename (ms), and the
    window [first_write, fsync_end] in trace time."""
    open_files, done = {}, []
    for start, duration, tid, call, args, result in calls(lines):
        current = open_files.get(tid)
        if call == "openat" and "CREAT|EXCL" in args and result >= 0:
            open_files[tid] = {"fd": result, "create": duration, "size": 0, "write": 0.0}
        elif current is None:
            continue
        elif call in ("pwrite64", "sync_file_range") and _on(current["fd"], args):
            current.setdefault("first_write", start)
            current["write"] += duration
            if call == "pwrite64" and result > 0:
                current["size"] += result
        elif call == "fsync" and _on(current["fd"], args) and "fsync" not in current:
            current["fsync"], current["fsync_start"], current["fsync_end"] = duration, start, start + duration
        elif call == "rename" and "fsync" in current:
            current["rename"] = duration
            done.append(open_files.pop(tid))
    return done


def figures(values):
    if not values:
        return {"n": 0}
    return {"n": len(values), "p50": percentile(values, 0.5), "p90": percentile(values, 0.9),
            "p99": percentile(values, 0.99), "max": max(values), "mean": sum(values) / len(values)}


def summarise(files):
    small = [f for f in files if f["size"] < LARGE_BYTES]
    large = [f for f in files if f["size"] >= LARGE_BYTES]
    out = {}
    for label, group in (("small", small), ("large", large)):
        out[label] = {step: figures([f[step] for f in group]) for step in ("create", "write", "fsync", "rename")}
    windows = [(g.get("first_write", g["fsync_start"]), g["fsync_end"]) for g in large]

    def overlaps(f):
        return any(f["fsync_start"] < end and begin < f["fsync_end"] for begin, end in windows)

    out["smallFsyncBesideLarge"] = figures([f["fsync"] for f in small if overlaps(f)])
    out["smallFsyncAlone"] = figures([f["fsync"] for f in small if not overlaps(f)])
    return out


def _line(name, f):
    if not f.get("n"):
        return f"  {name:32s} n 0"
    return (f"  {name:32s} n {f['n']:5d}  p50 {f['p50']:7.2f}  p90 {f['p90']:7.2f}  p99 {f['p99']:7.2f}  "
            f"max {f['max']:7.2f}  mean {f['mean']:6.2f}")


def main(argv):
    as_json = "--json" in argv
    paths = [a for a in argv if a != "--json"]
    if not paths:
        print(__doc__, file=sys.stderr)
        return 2
    results = {}
    for path in paths:
        with open(path, encoding="utf-8", errors="replace") as f:
            results[path] = summarise(pickup_files(f))
    if as_json:
        json.dump(results, sys.stdout, indent=1)
        print()
        return 0
    for path, s in results.items():
        print(path)
        for label in ("small", "large"):
            for step, f in s[label].items():
                print(_line(f"{label} {step}", f))
        print(_line("small fsync beside a large file", s["smallFsyncBesideLarge"]))
        print(_line("small fsync, no large file", s["smallFsyncAlone"]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
