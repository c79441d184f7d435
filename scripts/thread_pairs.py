"""Target 3's two-thread arithmetic on one pair of `smime bench protect --json` results (`--threads 1` and `--threads 2`,
run one after the other on the same cores), in one place: bench_summary.py reads bench.sh's pairs with it, and
scripts/bench-two-threads.sh its rounds. Before session 18 each script had its own copy of the same divisions.

Each run's result carries its own rate (messagesPerSecond), the crypto floor timed on the same thread count right after
it (floorThroughput), and how much CPU its threads got (threadUse.messagesPerWorkerCpuSecond), for ours and the floor.
"""


def per_cpu(run):
    """Mails per thread CPU-second of one run (ours or its floor), or None when the run has no threadUse (an older smime)."""
    return ((run or {}).get("threadUse") or {}).get("messagesPerWorkerCpuSecond")


def _divide(a, b):
    return a / b if a and b else None


def pair(one, two):
    """The figures of one pair: `one` and `two` are bench protect's results on 1 and 2 threads.

    ratio: ours 2 threads / 1 thread (msg/s), the figure target 3 judges (>= 1.8x).
    floorRatio: the crypto floor's own 2 / 1 on the same threads (its ceiling on this machine), None without floorThroughput.
    oursOverFloor: ratio / floorRatio, what a second thread of ours loses beyond the cryptography.
    perCpuRatio, floorPerCpuRatio: the same 2 / 1 per thread CPU-second (what a thread does with the CPU it gets, whatever
    the neighbours took), None when either run has no threadUse."""
    fl1, fl2 = one.get("floorThroughput"), two.get("floorThroughput")
    ratio = two["messagesPerSecond"] / one["messagesPerSecond"]
    floor = fl2["messagesPerSecond"] / fl1["messagesPerSecond"] if fl1 and fl2 else None
    return {
        "ratio": ratio,
        "floorRatio": floor,
        "oursOverFloor": ratio / floor if floor else None,
        "perCpuRatio": _divide(per_cpu(two), per_cpu(one)),
        "floorPerCpuRatio": _divide(per_cpu(fl2), per_cpu(fl1)) if floor else None,
    }
