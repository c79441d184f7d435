"""Unit tests of scripts/allocation_check.py and its use in scripts/bench_run_line.py (issue 17, session 23): a
`bench pipeline` run's allocation per mail is shown with its check. Run by scripts/test.sh (python3 -m unittest discover
-s tests/scripts)."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPTS = os.path.join(HERE, "..", "..", "scripts")
sys.path.insert(0, SCRIPTS)
import allocation_check  # noqa: E402

REASON = ("UNTRUSTWORTHY: the heap count changed between the reads: the total sums only the active heaps (dotnet/runtime PR "
          "131069); GC heaps 2 at the first read, 1 at the last, 1 changes between; no allocation ticks (--allocation-check) to compare")


def report(allocated, check):
    run = {"messagesPerSecond": 200.0, "processCpuMillisecondsPerMail": 2.5, "jitMethodsCompiled": 0, "delivered": 1500,
           "messages": 1500, "allocatedBytesPerMail": allocated}
    if check is not None:
        run["allocationCheck"] = check
    return run


class AllocationCheckTests(unittest.TestCase):
    def test_an_untrustworthy_figure_says_so_beside_the_number(self):
        run = report(62151, {"trustworthy": False, "reason": REASON})
        self.assertFalse(allocation_check.trusted(run))
        self.assertEqual("60.7 KB UNTRUSTWORTHY", allocation_check.kilobytes(run))
        self.assertEqual(f"60.7 KB per mail ({REASON})", allocation_check.line(run))

    def test_a_trustworthy_figure_is_shown_plain(self):
        run = report(320000, {"trustworthy": True, "reason": "trustworthy: the same heap count at both reads"})
        self.assertTrue(allocation_check.trusted(run))
        self.assertEqual("312.5 KB", allocation_check.kilobytes(run))

    def test_a_report_from_before_the_check_is_marked_unchecked(self):
        run = report(320000, None)
        self.assertIsNone(allocation_check.trusted(run))
        self.assertEqual("312.5 KB (unchecked)", allocation_check.kilobytes(run))
        self.assertIn("unchecked: a report from before session 23", allocation_check.line(run))

    def test_bench_run_line_marks_the_figure(self):
        with tempfile.TemporaryDirectory() as out:
            path = os.path.join(out, "run.json")
            with open(path, "w") as f:
                json.dump(report(62151, {"trustworthy": False, "reason": REASON}), f)
            done = subprocess.run([sys.executable, os.path.join(SCRIPTS, "bench_run_line.py"), path, "round 1", "9.7"],
                                  capture_output=True, text=True, check=True)
        self.assertIn("| 60.7 KB UNTRUSTWORTHY/mail |", done.stdout)


if __name__ == "__main__":
    unittest.main()
