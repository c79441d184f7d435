"""Unit tests of scripts/thread_pairs.py, target 3's pair arithmetic that bench_summary.py (bench.sh's pairs) and
scripts/bench-two-threads.sh (its rounds) share since session 18, and of bench-two-threads.sh's report on session 17's
kept results (fixtures/session17-two-threads: `bench-two-threads.sh --rounds 2 --processes --keep-results` of that
session, the README's "2 threads / 2 processes 1.045 and 0.958"). Run by scripts/test.sh
(python3 -m unittest discover -s tests/scripts)."""
import json
import math
import os
import re
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPTS = os.path.join(HERE, "..", "..", "scripts")
sys.path.insert(0, SCRIPTS)
import bench_summary  # noqa: E402
import thread_pairs  # noqa: E402

SESSION17 = os.path.join(HERE, "fixtures", "session17-two-threads")


def run(rate, cpu_rate=None, floor=None):
    x = {"messagesPerSecond": rate}
    if cpu_rate is not None:
        x["threadUse"] = {"messagesPerWorkerCpuSecond": cpu_rate}
    if floor is not None:
        x["floorThroughput"] = floor
    return x


class PairTests(unittest.TestCase):
    def test_every_ratio_is_two_threads_over_one(self):
        figures = thread_pairs.pair(run(800.0, 800.0, run(1000.0, 1000.0)), run(1440.0, 760.0, run(1900.0, 960.0)))
        self.assertAlmostEqual(figures["ratio"], 1.8)
        self.assertAlmostEqual(figures["floorRatio"], 1.9)
        self.assertAlmostEqual(figures["oursOverFloor"], 1.8 / 1.9)
        self.assertAlmostEqual(figures["perCpuRatio"], 0.95)
        self.assertAlmostEqual(figures["floorPerCpuRatio"], 0.96)

    def test_without_the_floor_or_thread_use_those_figures_are_none(self):
        figures = thread_pairs.pair(run(100.0), run(190.0))
        self.assertAlmostEqual(figures["ratio"], 1.9)
        self.assertEqual([figures[k] for k in ("floorRatio", "oursOverFloor", "perCpuRatio", "floorPerCpuRatio")], [None] * 4)


class Session17Tests(unittest.TestCase):
    """bench-two-threads.sh's report, run as the script runs it (its python3 heredoc), on session 17's kept results."""

    @staticmethod
    def report():
        with open(os.path.join(SCRIPTS, "bench-two-threads.sh")) as f:
            script = re.search(r"^python3 - .*?<<'PY'\n(.*?)^PY$", f.read(), re.S | re.M).group(1)
        return subprocess.run([sys.executable, "-", SESSION17, "2", "1", SCRIPTS], input=script, capture_output=True, text=True, check=True).stdout

    @staticmethod
    def ours(name):
        with open(os.path.join(SESSION17, f"{name}.json")) as f:
            return json.load(f)["results"][0]

    def test_the_report_prints_session_17s_figures(self):
        text = self.report()
        # What the script printed in session 17, before the arithmetic moved to thread_pairs.py.
        self.assertIn("2 threads / 1: ours 1.817, floor 1.668, ours / floor 1.089; per thread CPU-second: ours 0.928, floor 0.839", text)
        self.assertIn("2 threads / 1: ours 1.817, floor 2.134, ours / floor 0.852; per thread CPU-second: ours 0.932, floor 1.076", text)
        self.assertIn("2 processes / 1 thread 1.738, 2 threads / 2 processes 1.045; per thread CPU-second 0.878", text)
        self.assertIn("2 processes / 1 thread 1.897, 2 threads / 2 processes 0.958; per thread CPU-second 0.963", text)
        self.assertIn("2 threads / 2 processes 1.002 (0.958 - 1.045)", text)
        self.assertIn("ours / floor     0.970 (0.852 - 1.089)", text)

    def test_bench_summary_reads_the_same_pairs_the_same_way(self):
        pairs = [(r, self.ours(f"ours-1-{r}"), self.ours(f"ours-2-{r}")) for r in (1, 2)]
        threads = bench_summary.two_thread_pairs(pairs)
        text = self.report()
        for row in threads["pairs"]:
            self.assertIn(f"2 threads / 1: ours {row['ratio']:.3f}, floor {row['floorRatio']:.3f}, ours / floor {row['ratio'] / row['floorRatio']:.3f}; "
                          f"per thread CPU-second: ours {row['perCpuRatio']:.3f}, floor {row['floorPerCpuRatio']:.3f}", text)
        self.assertTrue(all(math.isfinite(row["perCpuRatio"]) for row in threads["pairs"]))


if __name__ == "__main__":
    unittest.main()
