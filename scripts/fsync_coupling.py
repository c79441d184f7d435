#!/usr/bin/env python3
"""Does a small pickup file's fsync wait for a large one's data? (issue 17, target 2; docs/performance-log.md "Issue 17, session 14").

Writes small files the way PickupDirectoryTransport does (create a hidden temp file, write, fsync, rename, fsync the
directory) at a fixed pace on one thread, while another thread writes large files into the same directory in one of
these ways, and reports the small files' latency per way:

  none     no large files (the small files alone)
  plain    the transport's way before session 14: one write of the whole file, then fsync
  chunked  write in CHUNK bytes; after each chunk sync_file_range(SYNC_FILE_RANGE_WRITE) starts its write-back and
           the chunk before it is waited for (SYNC_FILE_RANGE_WAIT_BEFORE), so at most two chunks are in flight; fsync
           at the end (then only the last chunk and the metadata are left for it)
  dsync    the file opened O_DSYNC (a write-through handle), written in CHUNK bytes, fsync at the end
  idle     as plain, from a thread in the idle I/O class (ioprio_set IOPRIO_CLASS_IDLE; session 17): the block layer's
           scheduler (mq-deadline here) dispatches its writes only when no other class waits
  chunked-idle  as chunked, from a thread in the idle I/O class

Ways run in rotated rounds (round r starts at way r). Everything is measured on the file system of --dir (default: a
new directory under $TMPDIR or /tmp, the bench's pickup directory's file system). Figures are wall-clock milliseconds.

  scripts/fsync_coupling.py [--rounds 3] [--seconds 20] [--ways none,plain,chunked,dsync] [--small-every-ms 7]
                            [--large-every-ms 65] [--small-bytes 75000] [--large-bytes 2900000] [--chunk 262144]
                            [--dir DIR] [--json OUT]
"""

import argparse
import ctypes
import json
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time

SYNC_FILE_RANGE_WAIT_BEFORE = 1
SYNC_FILE_RANGE_WRITE = 2

_libc = ctypes.CDLL(None, use_errno=True)
_libc.sync_file_range.argtypes = [ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint]


def sync_file_range(fd, offset, length, flags):
    if _libc.sync_file_range(fd, offset, length, flags) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


def flush_directory(directory):
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


IOPRIO_WHO_PROCESS = 1
IOPRIO_CLASS_IDLE = 3
SYS_IOPRIO_SET = 251  # x86_64


def idle_io_class():
    """Puts the calling thread's I/O into the idle class (Linux, x86_64)."""
    if _libc.syscall(SYS_IOPRIO_SET, IOPRIO_WHO_PROCESS, threading.get_native_id(), IOPRIO_CLASS_IDLE << 13) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


def write_large(path, content, way, chunk):
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    if way == "dsync":
        flags |= os.O_DSYNC
    fd = os.open(path, flags, 0o600)
    try:
        if way in ("plain", "idle"):
            os.write(fd, content)
        else:
            view = memoryview(content)
            for offset in range(0, len(content), chunk):
                os.write(fd, view[offset:offset + chunk])
                if way in ("chunked", "chunked-idle"):
                    sync_file_range(fd, offset, min(chunk, len(content) - offset), SYNC_FILE_RANGE_WRITE)
                    if offset >= chunk:
                        sync_file_range(fd, offset - chunk, chunk, SYNC_FILE_RANGE_WAIT_BEFORE)
        os.fsync(fd)
    finally:
        os.close(fd)


def percentile(values, q):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def pace(next_at, every_ms, sleep):
    """Waits until the next start of a fixed pace; a writer that fell behind starts at once (no catching up in a burst)."""
    next_at += every_ms / 1000
    delay = next_at - time.perf_counter()
    if delay > 0:
        sleep(delay)
        return next_at
    return time.perf_counter()


def run_way(directory, way, args):
    stop = threading.Event()
    large_times = []
    large_content = os.urandom(args.large_bytes)
    small_content = os.urandom(args.small_bytes)

    def large_writer():
        if way.endswith("idle"):
            idle_io_class()
        n = 0
        next_at = time.perf_counter()
        while not stop.is_set():
            n += 1
            temp = os.path.join(directory, f".large-{n}.tmp")
            start = time.perf_counter()
            write_large(temp, large_content, way, args.chunk)
            os.rename(temp, os.path.join(directory, f"large-{n}.eml"))
            flush_directory(directory)
            large_times.append((time.perf_counter() - start) * 1000)
            next_at = pace(next_at, args.large_every_ms, stop.wait)

    writer = None
    if way != "none":
        writer = threading.Thread(target=large_writer, daemon=True)
        writer.start()
    totals, file_fsyncs, dir_fsyncs = [], [], []
    end = time.perf_counter() + args.seconds
    next_at = time.perf_counter()
    n = 0
    while time.perf_counter() < end:
        n += 1
        temp = os.path.join(directory, f".small-{n}.tmp")
        start = time.perf_counter()
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.write(fd, small_content)
        before_fsync = time.perf_counter()
        os.fsync(fd)
        after_fsync = time.perf_counter()
        os.close(fd)
        os.rename(temp, os.path.join(directory, f"small-{n}.eml"))
        before_dir = time.perf_counter()
        flush_directory(directory)
        done = time.perf_counter()
        totals.append((done - start) * 1000)
        file_fsyncs.append((after_fsync - before_fsync) * 1000)
        dir_fsyncs.append((done - before_dir) * 1000)
        next_at = pace(next_at, args.small_every_ms, time.sleep)
    stop.set()
    if writer is not None:
        writer.join()
    return {
        "way": way,
        "small": len(totals),
        "small_total_p50": percentile(totals, 0.50),
        "small_total_p99": percentile(totals, 0.99),
        "small_total_max": max(totals),
        "small_fsync_p50": percentile(file_fsyncs, 0.50),
        "small_fsync_p99": percentile(file_fsyncs, 0.99),
        "small_dir_fsync_p99": percentile(dir_fsyncs, 0.99),
        "large": len(large_times),
        "large_p50": percentile(large_times, 0.50) if large_times else None,
        "large_p99": percentile(large_times, 0.99) if large_times else None,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--ways", default="none,plain,chunked,dsync")
    parser.add_argument("--small-every-ms", type=float, default=7)
    parser.add_argument("--large-every-ms", type=float, default=65)
    parser.add_argument("--small-bytes", type=int, default=75_000)
    parser.add_argument("--large-bytes", type=int, default=2_900_000)
    parser.add_argument("--chunk", type=int, default=256 * 1024)
    parser.add_argument("--dir")
    parser.add_argument("--json")
    args = parser.parse_args()
    ways = args.ways.split(",")
    unknown = set(ways) - {"none", "plain", "chunked", "dsync", "idle", "chunked-idle"}
    if unknown:
        parser.error(f"unknown ways: {', '.join(sorted(unknown))}")
    parent = args.dir or tempfile.gettempdir()
    results = []
    print("run        start     load   small  p50 / p99 / max ms   fsync p50 / p99   dir fsync p99   large  p50 / p99 ms")
    for r in range(1, args.rounds + 1):
        for i in range(len(ways)):
            way = ways[(r - 1 + i) % len(ways)]
            directory = tempfile.mkdtemp(prefix="fsync-coupling-", dir=parent)
            load = open("/proc/loadavg", encoding="ascii").read().split()[0]
            started = time.strftime("%H:%M:%S", time.gmtime())
            try:
                result = run_way(directory, way, args)
            finally:
                shutil.rmtree(directory, ignore_errors=True)
            result.update(round=r, load=float(load), start=started)
            results.append(result)
            large = (f"{result['large']:5d}  {result['large_p50']:6.1f} / {result['large_p99']:6.1f}"
                     if result["large"] else "    –")
            print(f"{way + '-' + str(r):14s} {started}  {load:>5s}  {result['small']:5d}  "
                  f"{result['small_total_p50']:6.1f} / {result['small_total_p99']:6.1f} / {result['small_total_max']:6.1f}   "
                  f"{result['small_fsync_p50']:5.1f} / {result['small_fsync_p99']:6.1f}   "
                  f"{result['small_dir_fsync_p99']:6.1f}          {large}", flush=True)
    print("\npooled small p99 (total) per way, and ÷ none:")
    pooled = {}
    for way in ways:
        values = [x["small_total_p99"] for x in results if x["way"] == way]
        pooled[way] = statistics.median(values)
    for way in ways:
        ratio = pooled[way] / pooled["none"] if "none" in pooled else float("nan")
        print(f"  {way:12s} median of rounds' p99 {pooled[way]:7.1f} ms   {ratio:5.2f}×")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump({"args": vars(args), "runs": results}, out, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
