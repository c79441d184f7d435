"""Target 1's split in one place (issue 17, session 20): scripts/target1_split.py's arithmetic on figures worked by hand,
and scripts/guarantees_ab_summary.py (bench-guarantees-ab.sh's summary, moved out of the script) printing exactly what the
script's inline code printed on the same kept directory."""
import contextlib
import io
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "scripts"))
import bench_summary  # noqa: E402
import guarantees_ab_summary  # noqa: E402
import target1_split  # noqa: E402

AB = os.path.join(HERE, "fixtures", "session20-guarantees-ab")


class SplitTests(unittest.TestCase):
    def test_the_four_parts_of_a_worked_example(self):
        # Session 19's quiet split in ms with a floor of 1.00 ms (product 4.60, guarantees 1.62, MassTransit guarantees 2.48).
        parts = target1_split.split(4.60, 1.62, 1.00, masstransit_ms=2.48)
        self.assertAlmostEqual(parts["total"], 4.60)
        self.assertEqual(parts["floor"], 1.0)
        self.assertAlmostEqual(parts["guarantees"], 1.62)
        self.assertAlmostEqual(parts["masstransit"], 0.86)
        self.assertAlmostEqual(parts["oursBeyondMassTransit"], 1.12)
        self.assertAlmostEqual(parts["ours"], 1.98)
        self.assertAlmostEqual(parts["guaranteesCeiling"], 2.62)
        self.assertAlmostEqual(parts["massTransitCeiling"], 3.48)
        self.assertEqual(target1_split.text(parts), "floor 1.00 + guarantees 1.62 + MassTransit 0.86 + ours beyond MassTransit 1.12")

    def test_the_parts_add_up_to_the_total_in_any_unit(self):
        floor = 0.918
        parts = target1_split.split(4.84, 1.0, floor, masstransit_ms=2.5)
        self.assertAlmostEqual(parts["floor"] + parts["guarantees"] + parts["masstransit"] + parts["oursBeyondMassTransit"], 4.84 / floor)
        self.assertAlmostEqual(parts["floor"] + parts["guarantees"] + parts["ours"], 4.84 / floor)
        self.assertAlmostEqual(parts["masstransit"] + parts["oursBeyondMassTransit"], parts["ours"])
        self.assertAlmostEqual(parts["massTransitCeiling"], (2.5 + floor) / floor)

    def test_without_masstransit_the_split_is_three_way(self):
        parts = target1_split.split(3.774, 1.963, 0.4525)
        self.assertNotIn("masstransit", parts)
        self.assertEqual(target1_split.text(parts), f"floor 1.00 + guarantees {1.963 / 0.4525:.2f} + ours {(3.774 - 1.963 - 0.4525) / 0.4525:.2f}")

    def test_runs_that_disagree_give_a_negative_part_not_a_hidden_one(self):
        # The MassTransit guarantees measured more than the product: ours beyond MassTransit is below 0, said as it is.
        parts = target1_split.split(3.0, 1.0, 1.0, masstransit_ms=2.5)
        self.assertAlmostEqual(parts["oursBeyondMassTransit"], -0.5)

    def test_bench_summary_takes_its_verdict_fields_from_the_same_split(self):
        _, fields = bench_summary.target1_split(4.84, 1.0, 0.918, masstransit_ms=2.5)
        parts = target1_split.split(4.84, 1.0, 0.918, masstransit_ms=2.5)
        for key in ("guarantees", "ours", "guaranteesCeiling", "masstransit", "oursBeyondMassTransit", "massTransitCeiling"):
            self.assertEqual(fields[key], round(parts[key], 4), key)


class GuaranteesAbSummaryTests(unittest.TestCase):
    def summary(self, rounds, variants):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            self.assertEqual(guarantees_ab_summary.main([AB, str(rounds), variants, "4000", "1500"]), 0)
        return out.getvalue()

    def expected(self, name):
        with open(os.path.join(AB, "expected", name)) as f:
            return f.read()

    def test_masstransit_with_the_product_prints_what_the_script_printed(self):
        self.assertEqual(self.summary(2, "guarantees masstransit pipeline"), self.expected("masstransit-with-pipeline.txt"))

    def test_masstransit_against_raw_prints_what_the_script_printed(self):
        self.assertEqual(self.summary(2, "guarantees masstransit"), self.expected("masstransit.txt"))

    def test_the_product_against_the_guarantees_prints_what_the_script_printed(self):
        self.assertEqual(self.summary(1, "pipeline guarantees"), self.expected("pipeline-guarantees.txt"))

    def test_the_four_way_line_is_the_modules_split_of_process_and_rabbitmq(self):
        text = self.summary(1, "guarantees masstransit pipeline")
        line = next(x for x in text.splitlines() if x.startswith("  of target 1's process + RabbitMQ"))
        self.assertIn("floor 1.00 + guarantees 4.35 + MassTransit 1.81 + ours beyond MassTransit 1.53", line)

    def test_the_script_runs_the_module(self):
        with open(os.path.join(HERE, "..", "..", "scripts", "bench-guarantees-ab.sh")) as f:
            script = f.read()
        self.assertIn('python3 "$REPO_ROOT/scripts/guarantees_ab_summary.py" "$OUT"', script)
        self.assertNotIn("<<'PY'", script)


if __name__ == "__main__":
    unittest.main()
