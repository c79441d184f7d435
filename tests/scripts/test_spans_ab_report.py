"""Unit tests of scripts/spans_ab_report.py (issue 17, session 20): the span census per mail and each variant's ratio to
`recorded` in the same round, from hand-written bench reports. Run by scripts/test.sh (python3 -m unittest discover -s
tests/scripts)."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "..", "..", "scripts", "spans_ab_report.py")


def run_report(files, *base):
    with tempfile.TemporaryDirectory() as out:
        for name, content in files.items():
            with open(os.path.join(out, name), "w") as f:
                f.write(content if isinstance(content, str) else json.dumps(content))
        done = subprocess.run([sys.executable, SCRIPT, out, *base], capture_output=True, text=True, check=True)
        return done.stdout


def run(cpu, allocated):
    return {"messagesPerSecond": 100, "processCpuMillisecondsPerMail": cpu, "brokerCpuMillisecondsPerMail": 1.0,
            "machineCpuMillisecondsPerMail": 10.0, "allocatedBytesPerMail": allocated, "threadPoolWorkItemsPerMail": 27,
            "voluntarySwitchesPerMail": 8}


class SpansAbReportTests(unittest.TestCase):
    def test_census_sums_spans_by_source_and_whether_recorded(self):
        spans = [
            {"source": "MassTransit", "name": "smime-protect send", "kind": "Producer", "allData": False, "sampled": True, "perMail": 1.0},
            {"source": "MassTransit", "name": "smime-protect receive", "kind": "Consumer", "allData": False, "sampled": True, "perMail": 1.0},
            {"source": "SmimePipeline", "name": "smime protect", "kind": "Internal", "allData": True, "sampled": True, "perMail": 1.0},
        ]
        text = run_report({"census-pipeline-propagated.json": {"spans": spans}})
        self.assertIn("census pipeline-propagated: 3.00 spans per mail; MassTransit context only 2.00, SmimePipeline recorded 1.00", text)

    def test_each_variant_is_divided_by_recorded_of_the_same_round_and_the_median_is_over_rounds(self):
        text = run_report({
            "round-1.txt": "load 30.0\nopenssl 1000\n",
            "pipeline-recorded-1.json": run(4.0, 320000),
            "pipeline-propagated-1.json": run(3.0, 316800),
            "round-2.txt": "load 40.0\nopenssl 1100\n",
            "pipeline-recorded-2.json": run(5.0, 320000),
            "pipeline-propagated-2.json": run(5.5, 320000),
            "pipeline-none-2.json": "",  # a run still being written is left out, not an error
        })
        self.assertIn("round 1 (load 30.0, openssl 1000)", text)
        self.assertIn("3 (0.750)", text)
        self.assertIn("316800 (0.990)", text)
        self.assertIn("median propagated / recorded, smime ms: 0.925 over 2 rounds (0.750, 1.100)", text)
        self.assertNotIn("none", text)

    def test_settings_variants_are_divided_by_the_base_named_on_the_command_line(self):
        # bench-spans-ab.sh --settings (session 21) names its variants and passes the first as the base.
        text = run_report({
            "round-1.txt": "load 20.0\nopenssl 1200\n",
            "guarantees-mtmetrics-1.json": run(2.0, 290000),
            "guarantees-nomtmetrics-1.json": run(1.8, 287100),
            "guarantees-raw-1.json": run(1.0, 145000),
        }, "mtmetrics")
        self.assertIn("(ratio to mtmetrics in the same round)", text)
        self.assertIn("287100 (0.990)", text)
        self.assertIn("145000 (0.500)", text)
        self.assertIn("median nomtmetrics / mtmetrics, smime ms: 0.900 over 1 rounds (0.900)", text)
        self.assertNotIn("/ recorded", text)

    def test_pipeline_windows_say_how_full_each_bounded_place_was_and_how_long_a_delivery_place_was_held(self):
        # Session 22: which window bounds the flat-out rate (Little's law: 9.35 places inside at 335 msg/s = 27.9 ms each).
        stages = {"occupancy": {
            "producerWindow": {"average": 31.14, "limit": 200, "fullShare": 0.1264},
            "signerInFlight": {"average": 29.34, "limit": 32, "fullShare": 0.6486},
            "protectSlots": {"average": 0.38, "limit": 2, "fullShare": 0.0763},
            "senderConcurrency": {"average": 9.35, "limit": 10, "fullShare": 0.5816}},
            "signerWindow": {"waitingToProtect": 0.62, "protecting": 0.38, "waitingForDelivery": 19, "delivering": 3.49,
                             "afterDelivery": 5.86, "total": 29.34}}
        text = run_report({
            "round-1.txt": "load 1.0\nopenssl 4000\n",
            "pipeline-base-1.json": dict(run(3.0, 320000), messagesPerSecond=335, stages=stages),
            "pipeline-wide-1.json": run(2.8, 320000),  # no stages followed: no windows line
        }, "base")
        self.assertIn("signer 29.34/32 (65 % full) | places 9.35/10 (58 % full), 27.9 ms each | protect 0.38/2 (8 % full)", text)
        self.assertIn("held for: to protect 0.62, protecting 0.38, for a place 19, delivering 3.49, after 5.86", text)
        self.assertNotIn("1 wide", text)

    def test_an_untrustworthy_allocation_figure_is_marked_and_kept_out_of_the_ratios(self):
        # Session 23: session 22's alone-p20-1 reported 62,151 B per mail against 307-316 KB in its twins; its check now
        # says why (the GC's heap count at the two reads), and the figure takes no part in the median.
        bad = dict(run(3.0, 62151), allocationCheck={"trustworthy": False, "reason": "UNTRUSTWORTHY: the heap count changed"})
        good = dict(run(3.0, 316000), allocationCheck={"trustworthy": True, "reason": "trustworthy: the same heap count"})
        text = run_report({
            "round-1.txt": "load 10.0\nopenssl 4000\n",
            "pipeline-base-1.json": dict(run(3.0, 310000), allocationCheck={"trustworthy": True, "reason": "trustworthy"}),
            "pipeline-p20-1.json": bad,
            "round-2.txt": "load 11.0\nopenssl 4000\n",
            "pipeline-base-2.json": dict(run(3.0, 310000), allocationCheck={"trustworthy": True, "reason": "trustworthy"}),
            "pipeline-p20-2.json": good,
        }, "base")
        self.assertIn("62151 UNTRUSTWORTHY", text)
        self.assertNotIn("(0.200)", text)
        self.assertIn("316000 (1.019)", text)
        self.assertIn("median p20 / base, alloc B: 1.019 over 1 rounds (1.019)", text)


if __name__ == "__main__":
    unittest.main()
