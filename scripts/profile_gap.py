#!/usr/bin/env python3
"""The product against the MassTransit ceiling, per mail, from scripts/profile-gap.sh's runs (issue 17, session 21).

Usage:
    python3 scripts/profile_gap.py OUT_DIR

OUT_DIR holds runN-P (bench pipeline) and runN-M (bench guarantees --via masstransit) directories, each with perf.txt
(`perf script` of smime over the record window), window.txt (snapshots around it: pickup files, smime's, the broker's and
the machine's CPU ticks), bench.json and maybe syscalls.txt (`perf trace -s`), and floor-R.json (`bench protect` of round
R). Per mail in each run's record window:

  * smime's CPU charged to components exactly as scripts/profile-charge.py charges a sample (its exclusive table), scaled
    by smime's CPU per mail in that window, so the rows add up to smime's CPU per mail; then the broker and the rest of
    the machine; P and M means and their difference (the rows of the difference add up to the whole machine's);
  * inclusive rows of the product's own steps (a sample counts in every row whose frame is on its synchronous stack);
  * OpenSSL's samples by the nearest managed frame that called into it, against the round's crypto floor;
  * the load-stable counts of the whole measured run (bench.json) and the system calls per mail by kind (perf trace).
"""
import collections
import glob
import importlib.util
import json
import os
import re
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location('profile_charge', os.path.join(HERE, 'profile-charge.py'))
charge = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(charge)

CLK_TCK = os.sysconf('SC_CLK_TCK') if hasattr(os, 'sysconf') else 100

# Inclusive rows for what the product does beyond the guarantees (matched against every frame of the synchronous stack).
# Matched on the method's owner ("] Namespace.Type...::"), not anywhere in the frame: a method whose parameters name a type
# (PublishOneAsync(..., StageRecorder recorder, ...), PublishDeliveredAsync(..., DeliveryLedgerEntry, ...)) would count.
def _owner(types):
    return r'\] (' + types + r')[\w.`+<>\[\]]*::'


PRODUCT_STEPS = [
    ('signer: MailProtectionHandler (protect + hand-over, synchronous part)', _owner(r'SmimePipeline\.Worker\.Signing\.MailProtectionHandler')),
    ('protect stage: SmimeProtector (compose excluded)', _owner(r'SmimePipeline\.Cryptography\.SmimeProtector')),
    ('composing MIME (MimeComposer, MimeKit)', _owner(r'SmimePipeline\.Cryptography\.Mime\.MimeComposer|MimeKit\.')),
    ('field validation (ProtectEmailValidator, DeliverEmailValidator, ContractRules)', _owner(r'SmimePipeline\.Worker\.Validation\.')),
    ('ProtectedMailGuard', _owner(r'SmimePipeline\.Worker\.Sending\.(ProtectedMailGuard|Pkcs7MimeQuickCheck)')),
    ('in-process delivery (InProcessDelivery, its places)', _owner(r'SmimePipeline\.Worker\.(Sending\.(InProcessDelivery|DeliverySlots)|Concurrency\.|Signing\.ProtectionSlots)')),
    ('sender: DeliveryHandler (synchronous part)', _owner(r'SmimePipeline\.Worker\.Sending\.DeliveryHandler')),
    ('delivery ledger', _owner(r'SmimePipeline\.Delivery\.Ledger\.|Microsoft\.Data\.Sqlite\.|SQLitePCL\.') + r'|libe_sqlite3'),
    ('pickup transport', _owner(r'SmimePipeline\.Delivery\.Pickup\.')),
    ('MailEventPublisher / BoundedBrokerSend', _owner(r'SmimePipeline\.Worker\.Messaging\.(MailEventPublisher|BoundedBrokerSend)')),
    ("Activity (ours and MassTransit's)", _owner(r'System\.Diagnostics\.(Activity|ActivitySource|ActivityListener)')),
    ("bench: StageRecorder (the bench's span listener)", _owner(r'SmimePipeline\.Cli\.Bench\.(StageRecorder|MailTimeline)')),
    ('bench: guarantees consumer and handler', _owner(r'SmimePipeline\.Cli\.Bench\.(GuaranteesProtectEmailConsumer|GuaranteesMailHandler)')),
    ('MassTransit serialisers (System.Text.Json)', _owner(r'MassTransit\.Serialization\.|System\.Text\.Json\.')),
    ('binary command formats (ours)', _owner(r'SmimePipeline\.Messaging\.|SmimePipeline\.Worker\.Messaging\.DeliverEmailBinary')),
    ('thread pool idle spinning (LowLevelLifoSemaphore / SpinWait)', _owner(r'System\.Threading\.(LowLevelLifoSemaphore|LowLevelSpinWaiter|SpinWait)')),
]

MANAGED_FRAME = re.compile(r'\[([\w.]+)\] (?:[^\[]*?)([\w.`]+)::([\w`<>]+)')


def read_window(path):
    snaps = {}
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 6 and parts[0].endswith(('-start', '-end')):
                snaps[parts[0]] = [int(x) for x in parts[1:]]
    return snaps


def per_mail(snaps, which):
    start, end = snaps.get(f'{which}-start'), snaps.get(f'{which}-end')
    if not start or not end:
        return None
    mails = end[1] - start[1]
    if mails <= 0:
        return None
    seconds = (end[0] - start[0]) / 1e9
    smime, broker, machine = ((end[k] - start[k]) / CLK_TCK * 1000 / mails for k in (2, 3, 4))
    return {'mails': mails, 'seconds': seconds, 'rate': mails / seconds, 'smime': smime, 'broker': broker,
            'rest': machine - smime - broker, 'machine': machine}


def openssl_caller(lines):
    """The nearest managed frame above a libcrypto leaf: which .NET call did the OpenSSL work."""
    for line in lines:
        m = MANAGED_FRAME.search(line)
        if m:
            return f'{m.group(2)}::{m.group(3)}'
    return '(no managed frame)'


def profile(run):
    exclusive, inclusive, openssl, threads = (collections.Counter() for _ in range(4))
    patterns = [(label, re.compile(expr)) for label, expr in PRODUCT_STEPS]
    total = 0
    for head, lines in charge.samples(os.path.join(run, 'perf.txt')):
        total += 1
        thread = charge.thread_of(head)
        component = charge.charge_sample(thread, lines)
        exclusive[component] += 1
        segment = charge.synchronous_segment(lines)
        for label, pattern in patterns:
            if any(pattern.search(line) for line in segment):
                inclusive[label] += 1
        if 'libcrypto' in lines[0] or component.startswith('protect stage: OpenSSL'):
            openssl[openssl_caller(lines)] += 1
        threads[re.sub(r'[\s\d/:]+$', '', thread)] += 1
    return total, exclusive, inclusive, openssl, threads


def syscalls(run):
    path = os.path.join(run, 'syscalls.txt')
    counts = collections.Counter()
    if not os.path.exists(path):
        return counts
    row = re.compile(r'^\s+(\w+)\s+(\d+)\s+(\d+)\s+[\d.]+')
    with open(path, errors='replace') as f:
        for line in f:
            m = row.match(line)
            if m and m.group(1) != 'syscall':
                counts[m.group(1)] += int(m.group(2))
    return counts


def read_json(path):
    """The JSON in PATH, or {} when the file is missing or empty (a bench that failed)."""
    if not os.path.exists(path) or not os.path.getsize(path):
        return {}
    with open(path) as f:
        return json.load(f)


def mean(values):
    values = [v for v in values if v is not None]
    return statistics.mean(values) if values else None


def fmt(v, digits=0):
    return '—' if v is None else f'{v:,.{digits}f}'


def load_runs(out):
    """Every run of OUT with a record window, by kind (P, M): its window figures, its charged samples and its counts."""
    runs = sorted(glob.glob(os.path.join(out, 'run*-[PM]')), key=lambda p: int(re.search(r'run(\d+)-', p).group(1)))
    if not runs:
        sys.exit(f'no runN-P / runN-M directories in {out}')
    rows = {'P': [], 'M': []}
    for run in runs:
        kind = run[-1]
        n = int(re.search(r'run(\d+)-', run).group(1))
        window = read_window(os.path.join(run, 'window.txt'))
        rec = per_mail(window, 'record')
        if rec is None or not os.path.exists(os.path.join(run, 'perf.txt')):
            print(f'{os.path.basename(run)}: no record window; left out')
            continue
        total, exclusive, inclusive, openssl, threads = profile(run)
        tr = per_mail(window, 'trace')
        calls = syscalls(run)
        bench = read_json(os.path.join(run, 'bench.json'))
        floor_path = os.path.join(out, f'floor-{(n + 1) // 2}.json')
        floor = None
        if read_json(floor_path):
            # The floor by the thread's CPU time (bench protect's ownWorkByCpuTime), not its wall-clock figure: on a loaded
            # machine the wall clock counts the time the thread waited for a core.
            result = (read_json(floor_path).get('results') or [{}])[0]
            floor = (result.get('ownWorkByCpuTime') or {}).get('floorMicroseconds')
        rows[kind].append({'name': os.path.basename(run), 'rec': rec, 'total': total, 'exclusive': exclusive,
                           'inclusive': inclusive, 'openssl': openssl, 'threads': threads, 'trace': tr,
                           'calls': calls, 'bench': bench, 'floor': floor})
    return rows


def us(r, counter, label):
    """µs per mail of the samples of LABEL in COUNTER: their share of the run's samples × smime's CPU per mail."""
    return counter[label] / r['total'] * r['rec']['smime'] * 1000 if r['total'] else 0.0


def components(rows):
    """[(component, P µs per mail, M µs per mail)], most samples first: means over each kind's runs (exclusive charging)."""
    labels = collections.Counter()
    for kind in 'PM':
        for r in rows[kind]:
            for label, n in r['exclusive'].items():
                labels[label] += n / r['total']
    return [(label, mean([us(r, r['exclusive'], label) for r in rows['P']]), mean([us(r, r['exclusive'], label) for r in rows['M']]))
            for label, _ in labels.most_common()]


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    rows = load_runs(out)

    print('## The record windows\n')
    print('| run | mails | s | msg/s | samples | smime ms/mail | broker | rest | machine | floor µs (round) |')
    print('|---|---|---|---|---|---|---|---|---|---|')
    for kind in 'PM':
        for r in rows[kind]:
            rec = r['rec']
            print(f"| {r['name']} | {rec['mails']} | {rec['seconds']:.1f} | {rec['rate']:.1f} | {r['total']} | {rec['smime']:.3f} | "
                  f"{rec['broker']:.3f} | {rec['rest']:.3f} | {rec['machine']:.3f} | {fmt(r['floor'])} |")

    print('\n## smime\'s CPU per mail by component (exclusive: each sample once, profile-charge.py\'s rules), µs\n')
    print('| component | P (bench pipeline) | M (guarantees via MassTransit) | P − M |')
    print('|---|---|---|---|')
    sums = {'P': 0.0, 'M': 0.0}
    for label, p, m in components(rows):
        sums['P'] += p or 0
        sums['M'] += m or 0
        print(f'| {label} | {fmt(p)} | {fmt(m)} | {fmt((p or 0) - (m or 0))} |')
    print(f"| **smime, all** | **{fmt(sums['P'])}** | **{fmt(sums['M'])}** | **{fmt(sums['P'] - sums['M'])}** |")
    for part in ('broker', 'rest', 'machine'):
        p = mean([r['rec'][part] * 1000 for r in rows['P']])
        m = mean([r['rec'][part] * 1000 for r in rows['M']])
        print(f'| {part} | {fmt(p)} | {fmt(m)} | {fmt((p or 0) - (m or 0))} |')
    floor = mean([r['floor'] for r in rows['P'] + rows['M']])
    if floor:
        pm = mean([r['rec']['machine'] * 1000 for r in rows['P']])
        mm = mean([r['rec']['machine'] * 1000 for r in rows['M']])
        sp = mean([(r['rec']['smime'] + r['rec']['broker']) * 1000 for r in rows['P']])
        sm = mean([(r['rec']['smime'] + r['rec']['broker']) * 1000 for r in rows['M']])
        print(f'\nfloor (mean of the rounds) {floor:.0f} µs. Whole machine: ours beyond MassTransit = (P − M − floor) ÷ floor = '
              f'{(pm - mm - floor) / floor:.2f}×; smime + broker only: {(sp - sm - floor) / floor:.2f}×')

    print('\n## Per round, P − M (µs per mail)\n')
    print('| round | smime | broker | rest | machine | floor |')
    print('|---|---|---|---|---|---|')
    for i in range(max(len(rows['P']), len(rows['M']))):
        if i < len(rows['P']) and i < len(rows['M']):
            p, m = rows['P'][i], rows['M'][i]
            print(f"| {i + 1} ({p['name']}, {m['name']}) | " + ' | '.join(fmt((p['rec'][k] - m['rec'][k]) * 1000) for k in ('smime', 'broker', 'rest', 'machine'))
                  + f" | {fmt(p['floor'] or m['floor'])} |")

    print('\n## The product\'s steps (inclusive: samples with the frame on their synchronous stack), µs per mail\n')
    print('| step | P | M |')
    print('|---|---|---|')
    for label, _ in PRODUCT_STEPS:
        print(f"| {label} | {fmt(mean([us(r, r['inclusive'], label) for r in rows['P']]))} | {fmt(mean([us(r, r['inclusive'], label) for r in rows['M']]))} |")

    # perf unwinds libcrypto's frames only where they keep a frame pointer: most of its samples end there.
    print('\n## OpenSSL (libcrypto leaf) in P by the managed frame that called it, µs per mail\n')
    callers = collections.Counter()
    for r in rows['P']:
        for label, n in r['openssl'].items():
            callers[label] += n
    print('| caller | µs per mail |')
    print('|---|---|')
    for label, _ in callers.most_common(12):
        print(f"| {label} | {fmt(mean([us(r, r['openssl'], label) for r in rows['P']]), 1)} |")
    total_ssl = mean([sum(r['openssl'].values()) / r['total'] * r['rec']['smime'] * 1000 for r in rows['P']])
    print(f"| **all OpenSSL** | **{fmt(total_ssl, 1)}** (the rounds' floor {fmt(floor)} µs) |")

    print('\n## By thread (share of smime\'s samples)\n')
    print('| thread | P | M |')
    print('|---|---|---|')
    names = collections.Counter()
    for kind in 'PM':
        for r in rows[kind]:
            for label, n in r['threads'].items():
                names[label] += n / r['total']
    for label, _ in names.most_common(10):
        print(f"| {label} | " + ' | '.join(fmt(mean([100 * r['threads'][label] / r['total'] for r in rows[k]]), 1) + ' %' for k in 'PM') + ' |')

    print('\n## Load-stable counts of the whole measured run (bench.json), per mail\n')
    keys = [('allocatedBytesPerMail', 'bytes allocated', 0), ('threadPoolWorkItemsPerMail', 'thread-pool work items', 2),
            ('voluntarySwitchesPerMail', 'voluntary switches', 2), ('messagesPerSecond', 'msg/s (whole run)', 1),
            ('processCpuMillisecondsPerMail', 'smime ms (whole run)', 3), ('brokerCpuMillisecondsPerMail', 'broker ms (whole run)', 3)]
    print('| count | ' + ' | '.join(r['name'] for k in 'PM' for r in rows[k]) + ' |')
    print('|---|' + '---|' * (len(rows['P']) + len(rows['M'])))
    for key, label, digits in keys:
        print(f'| {label} | ' + ' | '.join(fmt(r['bench'].get(key), digits) for k in 'PM' for r in rows[k]) + ' |')

    print('\n## System calls per mail (perf trace -s, its own window)\n')
    allcalls = collections.Counter()
    for kind in 'PM':
        for r in rows[kind]:
            if r['trace']:
                for name, n in r['calls'].items():
                    allcalls[name] += n / r['trace']['mails']
    if not allcalls:
        print('(no trace windows)')
        return
    print('| system call | P | M | P − M |')
    print('|---|---|---|---|')
    for name, _ in allcalls.most_common(20):
        p = mean([r['calls'][name] / r['trace']['mails'] for r in rows['P'] if r['trace']])
        m = mean([r['calls'][name] / r['trace']['mails'] for r in rows['M'] if r['trace']])
        print(f'| {name} | {fmt(p, 2)} | {fmt(m, 2)} | {fmt((p or 0) - (m or 0), 2)} |')


if __name__ == '__main__':
    main()
