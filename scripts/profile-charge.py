#!/usr/bin/env python3
"""Charge a `perf script` dump of the smime process to the pipeline's components (issue 17).

Usage:
    DOTNET_PerfMapEnabled=1 dotnet smime.dll bench pipeline ... &        # JIT code gets names in /tmp/perf-PID.map
    perf record -e cpu-clock -F 499 -g -p PID -o perf.data -- sleep 25   # once the warm-up mails are through
    perf script -i perf.data > perf.txt
    python3 scripts/profile-charge.py perf.txt [--top N]

Four tables:
  * exclusive: every sample charged to ONE component: the thread first (the JIT's tiering thread, GC threads),
    then, on every other thread, the first frame from the leaf that belongs to a
    component (kernel samples to their system call, native libraries by name, managed frames by namespace); what
    matches nothing is "runtime". The shares add up to 100 %.
  * inclusive: the share of samples with a given frame in the synchronous part of the stack (from the leaf up to
    the first task continuation: async code resumes its awaiting callers inline, and those did not cause the sample;
    a sample can count in several rows), for the per-mail extras: the ledger's calls, the pickup file, MassTransit's
    send path, telemetry, logging. Work that resumes after an await is charged to where it resumes: a floor.
  * by thread.
  * the durable writes in the kernel, step by step (session 16): every kernel sample under a file system call, charged
    to the step that made it (creating the pickup file, writing it, its fsync, the directory's fsync, the rename, the
    stat and lock calls of .NET's file API, SQLite's writes, reads, locks and fsyncs), with what inside the kernel
    dominates a step: ext4's inode allocator skipping recently deleted inodes (`recently_deleted`: ext4 without a
    journal only), the file's data written back, its inode written, its parent directory synced (`ext4_sync_parent`),
    the device's cache flushed, and the virtio doorbell (`virtqueue_notify`, an exit to the hypervisor per request).
"""
import collections
import re
import sys

MANAGED = re.compile(r'\[([\w.]+)\] (?:[^\[]*?)([\w.`]+)::([\w`<>]+)')

# First match wins, so the more specific namespace comes first.
COMPONENTS = [
    ('MassTransit.Serialization', 'MassTransit serialisers (JSON envelope of the events, binary bodies)'),
    ('System.Text.Json', 'MassTransit serialisers (JSON envelope of the events, binary bodies)'),
    ('SmimePipeline.Messaging', 'binary command formats (ours)'),
    ('SmimePipeline.Worker.Messaging', 'binary command formats (ours)'),
    ('MassTransit', 'MassTransit pipeline (filters, contexts, topology, confirms)'),
    ('RabbitMQ', 'RabbitMQ.Client'),
    ('Microsoft.Data.Sqlite', 'delivery ledger (SQLite)'),
    ('SQLitePCL', 'delivery ledger (SQLite)'),
    ('SmimePipeline.Delivery.Ledger', 'delivery ledger (SQLite)'),
    ('SmimePipeline.Delivery.Pickup', 'pickup transport (managed part)'),
    ('SmimePipeline.Worker.Sending', 'sender: consumer, handler, guard'),
    ('MimeKit', 'MimeKit (signer composing the message)'),
    ('SmimePipeline.Cryptography', 'protect stage: ours + BouncyCastle structures'),
    ('Org.BouncyCastle', 'protect stage: ours + BouncyCastle structures'),
    ('SmimePipeline.CertificateDirectory', 'certificate lookup / validation'),
    ('SmimePipeline.Worker.Validation', 'field validation'),
    ('SmimePipeline.Worker.Telemetry', 'telemetry (ours)'),
    ('SmimePipeline.Worker.Signing', 'signer: consumers, handler'),
    ('SmimePipeline.Worker', 'worker: other (hosting, claim check, failures)'),
    ('SmimePipeline.Client', 'producer (client library)'),
    ('SmimePipeline.Cli', 'bench harness'),
    ('OpenTelemetry', 'telemetry (Activity, Meter, OpenTelemetry)'),
    ('System.Diagnostics.Metrics', 'telemetry (Activity, Meter, OpenTelemetry)'),
    ('System.Diagnostics.Activity', 'telemetry (Activity, Meter, OpenTelemetry)'),
    ('System.Diagnostics.DiagnosticSource', 'telemetry (Activity, Meter, OpenTelemetry)'),
    ('Microsoft.Extensions.Logging', 'logging'),
    ('Microsoft.Extensions', 'DI / options / hosting'),
]

SYSCALLS = [
    ('openat', 'kernel: openat (creating pickup files)'),
    ('fsync', 'kernel: fsync / fdatasync (pickup file, SQLite WAL)'),
    ('fdatasync', 'kernel: fsync / fdatasync (pickup file, SQLite WAL)'),
    ('rename', 'kernel: other file calls (rename, close, stat, unlink)'),
    ('close', 'kernel: other file calls (rename, close, stat, unlink)'),
    ('stat', 'kernel: other file calls (rename, close, stat, unlink)'),
    ('unlink', 'kernel: other file calls (rename, close, stat, unlink)'),
    ('ftruncate', 'kernel: other file calls (rename, close, stat, unlink)'),
    ('pwrite', 'kernel: file reads and writes (SQLite, pickup)'),
    ('pread', 'kernel: file reads and writes (SQLite, pickup)'),
    ('fcntl', 'kernel: file reads and writes (SQLite, pickup)'),
    ('sendto', 'kernel: sockets (RabbitMQ)'),
    ('recvfrom', 'kernel: sockets (RabbitMQ)'),
    ('sendmsg', 'kernel: sockets (RabbitMQ)'),
    ('recvmsg', 'kernel: sockets (RabbitMQ)'),
    ('epoll', 'kernel: sockets (RabbitMQ)'),
    ('write', 'kernel: file reads and writes (SQLite, pickup)'),
    ('read', 'kernel: file reads and writes (SQLite, pickup)'),
    ('sched_yield', 'kernel: thread wake-ups and spinning (futex, sched_yield)'),
    ('futex', 'kernel: thread wake-ups and spinning (futex, sched_yield)'),
    ('nanosleep', 'kernel: thread wake-ups and spinning (futex, sched_yield)'),
    ('page_fault', 'kernel: page faults, interrupts, memory maps'),
    ('sysvec', 'kernel: page faults, interrupts, memory maps'),
    ('irq', 'kernel: page faults, interrupts, memory maps'),
    ('mmap', 'kernel: page faults, interrupts, memory maps'),
    ('munmap', 'kernel: page faults, interrupts, memory maps'),
    ('madvise', 'kernel: page faults, interrupts, memory maps'),
    ('mprotect', 'kernel: page faults, interrupts, memory maps'),
]
KERNEL_ENTRY = re.compile(r'(__x64_sys_\w+|__do_sys_\w+|asm_exc_page_fault|asm_sysvec_\w+|irqentry\w*|asm_common_interrupt)')

CONTINUATION = re.compile(r'Task::RunContinuations|AwaitTaskContinuation::RunOrScheduleAction|ThreadPoolWorkQueue::Dispatch')

# Inclusive rows: (label, regular expression matched against every frame of the stack).
INCLUSIVE = [
    ('EmailDelivered publish (sender, DeliveryHandler.PublishDeliveredAsync)', r'PublishDeliveredAsync'),
    ('DeliverEmail send (signer → smime-deliver)', r'DeliverEmailBinarySerializer|DeliverEmailWireFormat'),
    ('delivery ledger (every frame of it)', r'Delivery\.Ledger|Microsoft\.Data\.Sqlite|SQLitePCL|libe_sqlite3'),
    ('pickup transport (managed and its system calls under it)', r'Delivery\.Pickup'),
    ('MassTransit publish/send path', r'MassTransit\.[\w.]*(Publish|Send)'),
    ('MassTransit serialisers', r'MassTransit\.Serialization|System\.Text\.Json'),
    # Matched on the method's owner ("] Type::"), not anywhere in the frame: a method that takes an Activity as a
    # parameter (MailProtectionHandler.Protect) named the type in its signature and was counted as tracing (8 % of
    # samples in session 11's first profile, against 0.1 % of real ones: SynchronizedList is the sources' listener list).
    ('activities (System.Diagnostics.Activity)', r'\] System\.Diagnostics\.(Activity|ActivitySource|ActivityListener|SynchronizedList)[\w`]*(\[[^\]]*\])?::'),
    ('metrics (System.Diagnostics.Metrics)', r'\] System\.Diagnostics\.Metrics\.'),
    ('our telemetry (SmimeTelemetry)', r'SmimeTelemetry'),
    ('logging (Microsoft.Extensions.Logging)', r'Microsoft\.Extensions\.Logging'),
    ('options / DI (Microsoft.Extensions.Options, DependencyInjection)', r'Microsoft\.Extensions\.(Options|DependencyInjection)'),
    ('protect stage (SmimeProtector)', r'SmimeProtector'),
    ('OpenSSL (libcrypto)', r'libcrypto'),
]


# The durable writes' steps (session 16): (label, system call, regular expression a user frame of the stack must match or
# None, regular expression a kernel frame must match or None). First match wins.
DURABLE_STEPS = [
    ('pickup file: create (inode allocation)', 'openat', None, r'ext4_create|__ext4_new_inode'),
    ('open without creating (directory for its fsync, SQLite)', 'openat', None, None),
    ('pickup file: write its bytes', 'pwrite64', r'Delivery\.Pickup|RandomAccess', None),
    # SQLite's native frames do not unwind (perf shows [unknown] above libc): every other pwrite is SQLite's.
    ('SQLite: writes (WAL frames, checkpoints; every pwrite not the pickup file\'s)', 'pwrite64', None, None),
    ('pickup file: fsync of the file', 'fsync', r'FlushToDisk|WriteDurably', None),
    ('pickup directory: fsync (group commit)', 'fsync', r'DirectoryEntries|DirectoryFlushGroup', None),
    ('SQLite: fsync / fdatasync (WAL checkpoints; every sync not the pickup\'s)', 'sync', None, None),
    ('pickup file: rename', 'rename', None, None),
    ('close', 'close', None, None),
    ('stat / lstat / fstat (.NET file API checks; SQLite)', 'stat', None, None),
    ('flock (.NET File.OpenHandle\'s advisory lock)', 'flock', None, None),
    ('SQLite: reads (pages another connection changed)', 'pread64', None, None),
    ('SQLite: locks (fcntl)', 'fcntl', None, None),
    ('unlink', 'unlink', None, None),
]
# Inside the steps (a sample can count in several): kernel frames that say what the kernel did.
DURABLE_INSIDE = [
    ('  inside a create: skipping inodes deleted in the last 1-6 min (ext4 without a journal: recently_deleted)', 'openat', r'recently_deleted'),
    ('  inside the file\'s fsync: its data written back', 'fsync', r'ext4_writepages|filemap_fdatawrite'),
    ('  inside the file\'s fsync: its inode written', 'fsync', r'sync_inode_metadata'),
    # ext4_sync_parent is inlined into ext4_fsync_nojournal: its work is what that function calls besides the file's own.
    ('  inside an fsync: the parent directory synced too (ext4 without a journal: ext4_sync_parent)', 'fsync',
     r'ext4_sync_parent|(fsync_buffers_list|ext4_write_inode|dget_parent)\+\S+ \(\[kernel\.kallsyms\]\)\n\S+ ext4_fsync_nojournal'),
    ('  inside an fsync: the device\'s cache flushed', 'fsync', r'blkdev_issue_flush|submit_bio_wait'),
    ('  any file call: the virtio doorbell (virtqueue_notify, an exit to the hypervisor)', '', r'virtqueue_notify|vp_notify'),
]


def durable_step(lines):
    """The step of the durable writes a kernel sample belongs to, and the inside rows it counts in; (None, []) when it
    is not under a file system call."""
    entry = next((KERNEL_ENTRY.search(line).group(1) for line in lines if KERNEL_ENTRY.search(line)), None)
    if entry is None:
        return None, []
    kernel = [line for line in lines if 'kernel' in line]
    user = [line for line in lines if 'kernel' not in line]
    step = None
    for label, call, user_expr, kernel_expr in DURABLE_STEPS:
        if call not in entry:
            continue
        if user_expr and not any(re.search(user_expr, line) for line in user):
            continue
        if kernel_expr and not any(re.search(kernel_expr, line) for line in kernel):
            continue
        step = label
        break
    if step is None:
        return None, []
    stack = '\n'.join(kernel)
    inside = [label for label, call, expr in DURABLE_INSIDE if call in entry and re.search(expr, stack)]
    return step, inside


def synchronous_segment(lines):
    """The frames from the leaf up to the first point where a finished task ran its continuations: above it is
    whatever awaited that task, which did not cause this sample (an async chain resumes inline)."""
    for i, line in enumerate(lines):
        if CONTINUATION.search(line):
            return lines[:i]
    return lines


def charge_kernel(lines):
    for line in lines:
        m = KERNEL_ENTRY.search(line)
        if m:
            name = m.group(1)
            for key, label in SYSCALLS:
                if key in name:
                    return label
            return f'kernel: other ({name})'
    return 'kernel: other'


def charge_user(lines):
    leaf = lines[0]
    if 'libcrypto' in leaf or 'libssl' in leaf:
        return 'protect stage: OpenSSL (the crypto floor)'
    if 'libe_sqlite3' in leaf:
        return 'delivery ledger (SQLite)'
    for line in lines:
        m = MANAGED.search(line)
        if not m:
            if 'libcrypto' in line:
                return 'protect stage: OpenSSL (the crypto floor)'
            continue
        namespace = m.group(2)
        for prefix, label in COMPONENTS:
            if namespace.startswith(prefix):
                return label
    return 'runtime under our threads (allocation, casts, thread pool, unnamed native)'


def samples(path):
    """Each sample of a `perf script` dump as (head line, stack lines stripped), leaf first."""
    with open(path, encoding='utf-8', errors='replace') as dump:
        for block in dump.read().split('\n\n'):
            rows = block.strip().split('\n')
            if len(rows) >= 2:
                yield rows[0], [r.strip() for r in rows[1:]]


def thread_of(head):
    """The thread's name in a sample's head line (`perf script`: name, pid/tid, time, ...)."""
    return re.sub(r'\s+\d+(/\d+)?\s.*', '', head).strip()


def charge_sample(thread, lines):
    """The exclusive component a sample of THREAD with stack LINES is charged to (the tiering JIT's and the GC's threads
    by name, else its leaf: kernel or user)."""
    if 'Tiered' in thread:
        return 'JIT: tiered compilation thread'
    if 'GC' in thread:
        return 'garbage collector threads'
    if '[kernel' in lines[0]:
        return charge_kernel(lines)
    return charge_user(lines)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    top = int(sys.argv[sys.argv.index('--top') + 1]) if '--top' in sys.argv else 60
    exclusive = collections.Counter()
    inclusive = collections.Counter()
    threads = collections.Counter()
    durable = collections.Counter()
    patterns = [(label, re.compile(expr)) for label, expr in INCLUSIVE]
    total = 0
    for head, lines in samples(sys.argv[1]):
        total += 1
        segment = synchronous_segment(lines)
        for label, pattern in patterns:
            if any(pattern.search(line) for line in segment):
                inclusive[label] += 1
        thread = thread_of(head)
        threads[thread] += 1
        exclusive[charge_sample(thread, lines)] += 1
        if 'Tiered' not in thread and 'GC' not in thread and '[kernel' in lines[0]:
            step, inside = durable_step(lines)
            if step is not None:
                durable[step] += 1
                durable.update(inside)
    if total == 0:
        sys.exit('no samples in ' + sys.argv[1])
    print(f'samples {total}')
    print('\n| share of the process\'s CPU (exclusive) | what |\n|---|---|')
    for label, n in exclusive.most_common(top):
        print(f'| {100 * n / total:.1f} % | {label} |')
    print('\n| samples with it on the stack (inclusive, a floor) | what |\n|---|---|')
    for label, _ in INCLUSIVE:
        print(f'| {100 * inclusive[label] / total:.1f} % | {label} |')
    print('\n| share by thread | thread |\n|---|---|')
    for label, n in threads.most_common(12):
        print(f'| {100 * n / total:.1f} % | {label} |')
    print('\n| share of the process\'s CPU (kernel, by step) | the durable writes |\n|---|---|')
    for label, *_ in DURABLE_STEPS:
        print(f'| {100 * durable[label] / total:.1f} % | {label} |')
    for label, *_ in DURABLE_INSIDE:
        print(f'| {100 * durable[label] / total:.1f} % | {label} |')


if __name__ == '__main__':
    main()
