#!/usr/bin/env python3
"""CPU time of a process's threads by thread name, while it runs (issue 17, session 10).

Usage:
    python3 scripts/thread-cpu.py PID [--interval S] [--every S] [--json]

Reads /proc/PID/task/*/stat every --interval seconds (default 1) until the process exits or SIGINT/SIGTERM, and
prints the CPU seconds each group of threads used from the first reading to the last: the .NET runtime names its
threads (".NET TP Worker", ".NET Tiered Com", ".NET Server GC", ".NET BGC", ".NET Timer", ".NET Sockets", ...), so
this separates the thread pool (the mails' work and its spinning) from the tiering JIT, the GC threads and the timer
thread without a profiler. A thread that exits between two readings loses the ticks since the last reading it was seen
in (a floor); the kernel counts in clock ticks (10 ms at USER_HZ 100). --every S also prints, every S seconds, each
group's share of a core over those S seconds (a time series: does the JIT's share fall to nothing, or stay?).
"""
import json
import os
import signal
import sys
import time

TICK = os.sysconf('SC_CLK_TCK')


def group(name):
    """The thread's group: the runtime's names without their numbers."""
    name = name.strip()
    for prefix in ('.NET TP Worker', '.NET Tiered Com', '.NET Server GC', '.NET BGC', '.NET Timer', '.NET Sockets',
                   '.NET TP Gate', '.NET SigHandler', '.NET Finalizer', '.NET EventPipe', '.NET SynchManag', '.NET Long Runn'):
        if name.startswith(prefix):
            return prefix
    return name


def read(pid):
    """{tid: (group, ticks)} of the live threads; None once the process is gone."""
    threads = {}
    try:
        tids = os.listdir(f'/proc/{pid}/task')
    except FileNotFoundError:
        return None
    for tid in tids:
        try:
            with open(f'/proc/{pid}/task/{tid}/stat') as f:
                stat = f.read()
            with open(f'/proc/{pid}/task/{tid}/comm') as f:
                comm = f.read()
        except (FileNotFoundError, ProcessLookupError):
            continue
        fields = stat[stat.rindex(')') + 2:].split()
        threads[tid] = (group(comm), int(fields[11]) + int(fields[12]))
    return threads


def main():
    args = sys.argv[1:]
    if not args or not args[0].isdigit():
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    pid = int(args[0])
    interval = float(args[args.index('--interval') + 1]) if '--interval' in args else 1.0
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    first = read(pid)
    if first is None:
        print(f'thread-cpu.py: no process {pid}', file=sys.stderr)
        sys.exit(1)
    started = time.monotonic()
    last = dict(first)
    every = float(args[args.index('--every') + 1]) if '--every' in args else 0
    window_start, window = started, dict(first)
    while not stop:
        time.sleep(interval)
        now = read(pid)
        if now is None:
            break
        last.update(now)
        if every and time.monotonic() - window_start >= every:
            span = time.monotonic() - window_start
            share = {}
            for tid, (name, ticks) in last.items():
                share[name] = share.get(name, 0) + (ticks - window.get(tid, (name, 0))[1]) / TICK / span
            print(f'{time.monotonic() - started:7.1f} s  total {sum(share.values()):.2f} cores  '
                  + '  '.join(f'{k} {v:.2f}' for k, v in sorted(share.items(), key=lambda kv: -kv[1]) if v >= 0.005), flush=True)
            window_start, window = time.monotonic(), dict(last)
    seconds = time.monotonic() - started
    used = {}
    for tid, (name, ticks) in last.items():
        before = first.get(tid, (name, 0))[1]
        used[name] = used.get(name, 0) + (ticks - before) / TICK
    total = sum(used.values())
    if '--json' in args:
        print(json.dumps({'seconds': round(seconds, 1), 'cpuSeconds': round(total, 2),
                          'byThread': {k: round(v, 2) for k, v in sorted(used.items(), key=lambda kv: -kv[1])}}))
        return
    print(f'{seconds:.1f} s, {total:.2f} CPU s ({total / seconds:.2f} cores)')
    for name, value in sorted(used.items(), key=lambda kv: -kv[1]):
        print(f'{value:8.2f} s {100 * value / total if total else 0:5.1f} %  {name}')


if __name__ == '__main__':
    main()
