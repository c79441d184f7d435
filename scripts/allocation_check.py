#!/usr/bin/env python3
"""Issue 17, session 23: whether a `smime bench pipeline --json` run's `allocatedBytesPerMail` can be trusted. The figure
is the difference of two reads of GC.GetTotalAllocatedBytes, which on this runtime sums only the GC heaps active at the
call (dotnet/runtime PR 131069): session 22 saw 62 KB and -154 KB per mail in runs whose twins allocated 307-908 KB. Since
session 23 every report carries `allocationCheck` (the GC's heap count at both reads and, with --allocation-check, the
runtime's allocation ticks as an independent count); an untrustworthy figure is shown as such and kept out of ratios.
Shared by bench_summary.py, bench_run_line.py and spans_ab_report.py.
"""


def trusted(run):
    """True or False as the run's check says; None for a report made before session 23 (no check)."""
    check = run.get("allocationCheck")
    return None if check is None else bool(check.get("trustworthy"))


def kilobytes(run):
    """The figure in KB per mail with its mark: '312.4 KB', '62.0 KB UNTRUSTWORTHY', or '312.4 KB (unchecked)'."""
    mark = {True: "", False: " UNTRUSTWORTHY", None: " (unchecked)"}[trusted(run)]
    return f"{run.get('allocatedBytesPerMail', 0) / 1024:.1f} KB{mark}"


def line(run):
    """The figure with the check's reason, for a report's own line."""
    check = run.get("allocationCheck")
    reason = check["reason"] if check else "unchecked: a report from before session 23 (no heap count recorded)"
    return f"{run.get('allocatedBytesPerMail', 0) / 1024:.1f} KB per mail ({reason})"
