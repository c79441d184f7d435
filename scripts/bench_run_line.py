#!/usr/bin/env python3
"""One line for one `smime bench pipeline --json` run (bench-process-rounds.sh, bench-process-ab.sh).

Usage: python3 scripts/bench_run_line.py RUN.json PREFIX LOAD
msg/s, smime / broker / machine CPU ms per mail, allocated KB per mail (marked UNTRUSTWORTHY when its check says so,
"(unchecked)" in reports before session 23: scripts/allocation_check.py), gen-0 collections per 1,000 mails, JIT methods
compiled in the measured run, mails delivered in process, delivered of sent, voluntary context switches and minor page
faults per mail (since session 15; absent from older reports), thread-pool work items per mail (since session 19), and
the load average given.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import allocation_check  # noqa: E402  scripts/allocation_check.py: whether the allocation figure can be trusted (session 23)

d = json.load(open(sys.argv[1]))
print(f"{sys.argv[2]} | {d['messagesPerSecond']:.1f} msg/s | smime {d['processCpuMillisecondsPerMail']:.3f} ms"
      f" | broker {d.get('brokerCpuMillisecondsPerMail') or 0:.3f} ms | machine {d.get('machineCpuMillisecondsPerMail') or 0:.3f} ms"
      f" | {allocation_check.kilobytes(d)}/mail | gen0 {d.get('gen0CollectionsPerThousandMails', 0):.2f}/1000"
      f" | jit {d['jitMethodsCompiled']} | in process {d.get('deliveryAttemptsInProcess')} | delivered {d['delivered']}/{d['messages']}"
      f" | vcsw {d.get('voluntarySwitchesPerMail', 0):.1f} | minflt {d.get('minorFaultsPerMail', 0):.1f}"
      f" | pool items {d.get('threadPoolWorkItemsPerMail', 0):.1f}"
      f" | load {sys.argv[3]}", flush=True)
