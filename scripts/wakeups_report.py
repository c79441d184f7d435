#!/usr/bin/env python3
"""Blockings and wake-up system calls per mail, by thread group and wait primitive (issue 17, session 19).

Usage:
    python3 scripts/wakeups_report.py OUT_DIR LABEL [--json]

Reads what scripts/bench-wakeups.sh left in OUT_DIR: LABEL.sched.txt (`perf script` of sched:sched_switch with stacks),
LABEL.syscalls (`perf stat --per-thread -x,`) and LABEL.mails (pickup files that appeared in the window), and prints per
mail:
  - blockings (a switch whose prev_state is S or D: the thread gave up the core to wait, as getrusage's voluntary
    switches count) by thread group and by what it waited on, classified from the stack (the kernel's wait, then the
    first managed frame that names the wait: the thread pool's idle semaphore, the sockets thread's epoll, a monitor, ...);
  - preemptions (prev_state R) by thread group, with the sched_yield spins apart;
  - the system calls counted, by thread group.
"""
import collections
import json
import re
import sys

GROUPS = ('.NET TP Worker', '.NET Tiered Com', '.NET Server GC', '.NET BGC', '.NET Timer', '.NET Sockets', '.NET TP Gate',
          '.NET SigHandler', '.NET Finalizer', '.NET EventPipe', '.NET SynchManag', '.NET Long Runn', '.NET Long Running',
          'bench-', '.NET Counter')


def group(name):
    name = name.strip()
    for prefix in GROUPS:
        if name.startswith(prefix):
            return prefix
    return re.sub(r'[-_ ]?\d+$', '', name) or name


# The kernel's side of a wait, by the system call it blocked in: the first key found anywhere on the stack, in this order
# (a sleep inside fsync is named fsync, not the block I/O wait under it).
KERNEL = (
    ('do_fsync', 'fsync'),
    ('fdatasync', 'fsync'),
    ('fsync', 'fsync'),
    ('file_write_and_wait', 'fsync'),
    ('epoll_wait', 'epoll_wait'),
    ('ep_poll', 'epoll_wait'),
    ('futex_wait', 'futex'),
    ('do_nanosleep', 'nanosleep'),
    ('do_sched_yield', 'sched_yield'),
    ('sk_wait_data', 'socket read'),
    ('do_sys_poll', 'poll'),
    ('do_select', 'select'),
    ('pipe_read', 'pipe read'),
    ('jbd2', 'journal'),
    ('io_schedule', 'block I/O'),
    ('exit_to_user_mode', 'return to user (preempted)'),
    ('irqentry_exit', 'interrupt (preempted)'),
    ('do_exit', 'thread exit'),
)

# What the thread was doing in user space when it waited (first match from the innermost frame out).
USER = (
    ('LowLevelLifoSemaphore', 'thread pool: idle worker waits for work'),
    ('PortableThreadPool+GateThread', 'thread pool: gate thread'),
    ('PortableThreadPool+WorkerThread', 'thread pool: worker'),
    ('SocketAsyncEngine', 'sockets: epoll thread'),
    ('TimerQueue', 'timer thread'),
    ('WaitSubsystem', 'managed wait'),
    ('ManualResetEventSlim', 'ManualResetEventSlim.Wait'),
    ('SemaphoreSlim', 'SemaphoreSlim.Wait'),
    ('Monitor', 'Monitor.Wait / lock'),
    ('Lock.', 'Lock (contended)'),
    ('LowLevelMonitor', 'LowLevelMonitor'),
    ('FlushToDisk', 'pickup: fsync of the file'),
    ('DirectoryEntries.Flush', 'pickup: fsync of the directory'),
    ('sqlite3', 'SQLite'),
    ('Sqlite', 'SQLite'),
    ('RandomAccess', 'file write'),
    ('File.Move', 'rename'),
    ('GCHeap', 'GC'),
    ('gc_heap', 'GC'),
    ('GarbageCollect', 'GC'),
    ('SuspendEE', 'GC suspension'),
    ('TieredCompilation', 'tiering'),
    ('Thread.Sleep', 'Thread.Sleep'),
    ('EventPipe', 'EventPipe'),
    ('GcPauseMonitor', 'bench: GC listener'),
    ('NativeRuntimeEventSource', 'runtime events'),
)


def parse_sched(path):
    events = []
    header = None
    stack = []
    with open(path, errors='replace') as f:
        for line in f:
            line = line.rstrip('\n')
            if not line.strip():
                if header is not None:
                    events.append((header, stack))
                header, stack = None, []
                continue
            if not line.startswith((' ', '\t')):
                if header is not None:
                    events.append((header, stack))
                header, stack = line, []
            else:
                stack.append(line.strip())
    if header is not None:
        events.append((header, stack))
    return events


def classify(stack):
    kernel = next((name for key, name in KERNEL if any(key in frame for frame in stack)), 'other')
    user = next((name for frame in stack for key, name in USER if key in frame), None)
    if user is None:
        # The first frame outside the kernel, as a hint.
        user = next((re.sub(r'^[0-9a-f]+ ', '', frame) for frame in stack if '[kernel.kallsyms]' not in frame), '?')
        user = user[:90]
    return kernel, user


def main():
    out, label = sys.argv[1], sys.argv[2]
    as_json = '--json' in sys.argv
    mails = int(open(f'{out}/{label}.mails').read().strip() or 0)
    if mails <= 0:
        print(f'{label}: no mails delivered in the window')
        return
    blocked = collections.Counter()
    blocked_by_group = collections.Counter()
    preempted = collections.Counter()
    for header, stack in parse_sched(f'{out}/{label}.sched.txt'):
        m = re.match(r'^\s*(.*?)\s+(\d+)\s+sched:sched_switch:.*prev_state=(\S+)', header)
        if not m:
            continue
        comm, state = m.group(1), m.group(3)
        g = group(comm)
        if state.startswith(('S', 'D')):
            kernel, user = classify(stack)
            blocked[(g, kernel, user)] += 1
            blocked_by_group[g] += 1
        else:
            preempted[(g, 'sched_yield' if any('do_sched_yield' in s for s in stack) else 'preempted')] += 1

    syscalls = collections.defaultdict(collections.Counter)
    try:
        for line in open(f'{out}/{label}.syscalls'):
            parts = line.strip().split(',')
            if len(parts) < 4 or not parts[1].strip().isdigit():
                continue
            thread = re.sub(r'-\d+$', '', parts[0])
            event = parts[3].replace('syscalls:sys_enter_', '')
            syscalls[group(thread)][event] += int(parts[1])
    except FileNotFoundError:
        pass

    report = {
        'label': label, 'mails': mails,
        'blockingsPerMail': round(sum(blocked.values()) / mails, 2),
        'blockingsByGroup': {g: round(n / mails, 2) for g, n in blocked_by_group.most_common()},
        'blockings': [{'group': g, 'kernel': k, 'user': u, 'perMail': round(n / mails, 3)} for (g, k, u), n in blocked.most_common(25)],
        'preemptions': [{'group': g, 'kind': k, 'perMail': round(n / mails, 2)} for (g, k), n in preempted.most_common(10)],
        'syscallsPerMail': {g: {e: round(n / mails, 2) for e, n in c.most_common()} for g, c in syscalls.items()},
    }
    if as_json:
        print(json.dumps(report, indent=1))
        return
    print(f'{label}: {mails} mails in the window; blockings (voluntary switches) per mail {report["blockingsPerMail"]}')
    print('  by thread group: ' + ', '.join(f'{g} {n}' for g, n in report['blockingsByGroup'].items()))
    print('  by wait (group | kernel | user side | per mail):')
    for b in report['blockings']:
        if b['perMail'] >= 0.02:
            print(f"    {b['group']:16} | {b['kernel']:12} | {b['user'][:70]:70} | {b['perMail']:.3f}")
    print('  preemptions per mail: ' + ', '.join(f"{p['group']} {p['kind']} {p['perMail']}" for p in report['preemptions']))
    print('  system calls per mail by thread group:')
    for g, c in sorted(report['syscallsPerMail'].items(), key=lambda kv: -sum(kv[1].values())):
        shown = ', '.join(f'{e} {n}' for e, n in c.items() if n >= 0.01)
        if shown:
            print(f'    {g:16} {shown}')


if __name__ == '__main__':
    main()
