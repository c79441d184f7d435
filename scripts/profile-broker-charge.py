#!/usr/bin/env python3
"""Charge a `perf record -g` profile of RabbitMQ's beam.smp to what the broker was doing (issue 17, session 10).

Usage:
    perf record -e cpu-clock -F 499 -g -p BEAM_PID -o broker.perf -- sleep 20   # while `smime bench pipeline` measures
    python3 scripts/profile-broker-charge.py broker.perf

Each sample goes to the first rule that matches: kernel work by the system call or fault anywhere on its stack (file
writes into the page cache, fdatasync, page faults, sockets, wake-ups), then user space by its leaf frame (memory
copies, checksums, the Erlang emulator and its JIT code). Erlang's JIT frames have no symbols without `+JPperf true`,
so Erlang code is one row. The shares add up to 100 %; a second line splits the samples by thread kind.
"""
import collections
import subprocess
import sys

# (row, frames that select it, where to look): "stack" = anywhere on the stack, "leaf" = the innermost frame only.
RULES = [
    ('file writes: kernel copies into the page cache (quorum-queue WAL, segments)', ('ext4_buffered_write_iter', 'ext4_file_write_iter', 'generic_perform_write'), 'stack'),
    ('fdatasync (the WAL)', ('fdatasync', 'ext4_sync_file'), 'stack'),
    ('page faults on fresh memory (allocator carriers)', ('asm_exc_page_fault',), 'stack'),
    ('mmap / munmap', ('__x64_sys_munmap', '__x64_sys_mmap'), 'stack'),
    ('sockets (AMQP frames in and out)', ('tcp_sendmsg', 'tcp_recvmsg', 'sock_read_iter', 'sock_write_iter', '__x64_sys_recvfrom'), 'stack'),
    ('wake-ups and sleeps (futex, epoll, sched_yield)', ('__x64_sys_futex', '__x64_sys_epoll_wait', '__x64_sys_sched_yield', '__x64_sys_ppoll', 'epoll_wait', 'erts_poll_wait'), 'stack'),
    ('checksums (adler32, crc32)', ('adler32', 'crc32'), 'leaf'),
    ('memory copies in user space (memmove / memcpy)', ('__memmove', '__memcpy'), 'leaf'),
    ('interrupts and other kernel work', ('[kernel.kallsyms]',), 'leaf'),
    ('Erlang emulator and JIT code (beam.smp, memfd:vmem)', ('beam.smp', 'memfd:vmem'), 'leaf'),
]


def samples(perf_data):
    """Yields (thread name, frames leaf first) for every sample of `perf script`."""
    text = subprocess.run(['perf', 'script', '-i', perf_data, '-F', 'comm,ip,sym,dso'],
                          capture_output=True, text=True, check=True).stdout
    comm, frames = None, []
    for line in text.splitlines() + ['']:
        if not line.strip():
            if comm is not None:
                yield comm, frames
            comm, frames = None, []
        elif not line[0].isspace():
            comm = line.split()[0]
        else:
            frames.append(line.strip())


def thread_kind(comm):
    if 'dirty_io' in comm:
        return 'dirty I/O schedulers (file I/O)'
    if 'dirty_cpu' in comm:
        return 'dirty CPU schedulers'
    if 'scheduler' in comm:
        return 'schedulers'
    return comm


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    rows, threads, total = collections.Counter(), collections.Counter(), 0
    for comm, frames in samples(sys.argv[1]):
        total += 1
        threads[thread_kind(comm)] += 1
        stack, leaf = ' '.join(frames), (frames[0] if frames else '')
        for name, keys, where in RULES:
            if any(k in (stack if where == 'stack' else leaf) for k in keys):
                rows[name] += 1
                break
        else:
            rows['other'] += 1
    if total == 0:
        sys.exit(f'{sys.argv[1]}: no samples')
    print(f'{total} samples')
    for name, count in rows.most_common():
        print(f'{100 * count / total:5.1f} %  {name}')
    print('by thread: ' + ', '.join(f'{kind} {100 * count / total:.1f} %' for kind, count in threads.most_common(5)))


if __name__ == '__main__':
    main()
