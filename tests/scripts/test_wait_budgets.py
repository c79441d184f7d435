"""Unit tests of scripts/wait_budgets.py (session 18): the tests' bounded waits pooled per place from
SMIME_TEST_WAIT_LOG files, and the places whose longest wait took at least a given share of its budget, or that timed
out, listed largest share first. Run by scripts/test.sh (python3 -m unittest discover -s tests/scripts)."""
import io
import os
import sys
import tempfile
import unittest
from contextlib import redirect_stderr

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
import wait_budgets  # noqa: E402

RUN_1 = (
    "EspOutageTests.cs:31\tEventually\t60.0\t15.15\tmet\n"
    "WorkerProcess:0\tWorkerProcess ready\t90.0\t20.91\tmet\n"
    "WorkerProcess:0\tWorkerProcess ready\t90.0\t12.18\tmet\n"
    "RetryScheduleTests.cs:62\tEventually\t30.0\t1.00\tmet\n"
)
RUN_2 = (
    "EspOutageTests.cs:31\tEventually\t60.0\t60.20\ttimed-out\n"
    "RetryScheduleTests.cs:62\tEventually\t30.0\t13.50\tmet\n"
    "a line that is not a wait\n"
)


class WaitBudgetsTests(unittest.TestCase):
    def setUp(self):
        self.directory = tempfile.TemporaryDirectory()
        self.paths = []
        for name, text in (("run1.tsv", RUN_1), ("run2.tsv", RUN_2)):
            path = os.path.join(self.directory.name, name)
            with open(path, "w", encoding="utf-8") as log:
                log.write(text)
            self.paths.append(path)

    def tearDown(self):
        self.directory.cleanup()

    def read(self):
        with redirect_stderr(io.StringIO()) as errors:
            waits = wait_budgets.read_waits(self.paths)
        return waits, errors.getvalue()

    def test_runs_are_pooled_per_place_and_budget_and_a_malformed_line_is_reported(self):
        waits, errors = self.read()
        self.assertEqual(3, len(waits))
        self.assertEqual([(15.15, True), (60.2, False)], waits[("EspOutageTests.cs:31", "Eventually", 60.0)])
        self.assertEqual(2, len(waits[("WorkerProcess:0", "WorkerProcess ready", 90.0)]))
        self.assertIn("run2.tsv:3: skipped", errors)

    def test_places_at_or_above_the_share_or_with_a_timeout_come_largest_share_first(self):
        waits, _ = self.read()
        rows = wait_budgets.over_share(waits, 0.4)
        self.assertEqual(["EspOutageTests.cs:31", "RetryScheduleTests.cs:62"], [row[1] for row in rows])
        share, _, _, budget, count, longest, timeouts = rows[0]
        self.assertAlmostEqual(60.2 / 60.0, share)
        self.assertEqual((60.0, 2, 60.2, 1), (budget, count, longest, timeouts))
        self.assertAlmostEqual(0.45, rows[1][0])

    def test_a_place_below_the_share_without_a_timeout_is_left_out(self):
        waits, _ = self.read()
        self.assertNotIn("WorkerProcess:0", [row[1] for row in wait_budgets.over_share(waits, 0.4)])
        self.assertIn("WorkerProcess:0", [row[1] for row in wait_budgets.over_share(waits, 0.2)])


if __name__ == "__main__":
    unittest.main()
