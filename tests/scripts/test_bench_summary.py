"""Unit tests of scripts/bench_summary.py, bench.sh's summary: the verdict lines of targets 1, 2, 3 (two threads) and 4
and bench.sh's own time, on their own and on the reports of session 15's quiet run (fixtures/session15-quiet:
/tmp/q15/keep of that run, the latencies of the runs the summary does not pool left out). Run by scripts/test.sh
(python3 -m unittest discover -s tests/scripts)."""
import contextlib
import io
import json
import math
import os
import shutil
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "scripts"))
import bench_summary  # noqa: E402

SESSION15 = os.path.join(HERE, "fixtures", "session15-quiet")
# Session 19: one `smime bench guarantees --via masstransit --messages 4000 --warmup 1500` report (scripts/bench-guarantees-ab.sh
# --masstransit, a shared machine), read beside session 15's runs.
SESSION19 = os.path.join(HERE, "fixtures", "session19-masstransit")
# Session 20: one `smime bench guarantees --large-every 10 --rate 50 --postgres ...` report (100 mails after 20, a shared
# machine), the template of target 2's ceiling runs; each test gives it the latencies it needs.
SESSION20 = os.path.join(HERE, "fixtures", "session20-target2-ceiling", "guarantees-mixed.json")


class Target1Tests(unittest.TestCase):
    def test_beyond_this_machine_when_the_guarantees_alone_cost_more_than_the_target(self):
        # Session 15's quiet run: 3.774 ms per mail, the guarantees alone 1.963 ms, floor 0.4525 ms.
        note, fields = bench_summary.target1_split(3.774, 1.963, 0.4525)
        self.assertTrue(note.startswith("beyond this machine: the guarantees alone cost 5.34x > 3.5x"))
        self.assertIn("floor 1.00 + guarantees 4.34 + ours 3.00 = 8.34x", note)
        self.assertTrue(fields["beyondThisMachine"])
        self.assertAlmostEqual(fields["floor"] + fields["guarantees"] + fields["ours"], 3.774 / 0.4525, places=3)

    def test_reachable_when_the_guarantees_ceiling_lies_below_the_target(self):
        note, fields = bench_summary.target1_split(2.0, 0.5, 0.45)
        self.assertIn("reachable here", note)
        self.assertNotIn("beyond", note)
        self.assertFalse(fields["beyondThisMachine"])

    def test_a_line_beyond_the_machine_reads_fail(self):
        note, _ = bench_summary.target1_split(3.774, 1.963, 0.4525)
        line = bench_summary.verdict_line({"name": "1: x", "value": 8.34, "shown": 8.34, "target": 3.5, "at_most": True,
                                           "ceiling": 3.64, "note": note})
        self.assertTrue(line.strip().startswith("FAIL"))
        self.assertIn("beyond this machine", line)


    def test_beyond_this_machine_under_the_design_card_when_only_the_guarantees_through_masstransit_exceed_the_target(self):
        # Session 18's slow host: 4.84 ms per mail, floor 0.918 ms; the guarantees alone 1.0 ms (ceiling 2.09x), through
        # MassTransit 2.5 ms (ceiling 3.72x).
        note, fields = bench_summary.target1_split(4.84, 1.0, 0.918, masstransit_ms=2.5)
        self.assertTrue(note.startswith("beyond this machine under the design card: the guarantees through MassTransit 8.5 cost 3.72x > 3.5x"), note)
        self.assertIn("floor 1.00 + guarantees 1.09 + MassTransit 1.63 + ours beyond MassTransit 1.55 = 5.27x", note)
        self.assertFalse(fields["beyondThisMachine"])
        self.assertTrue(fields["beyondThisMachineUnderDesignCard"])
        self.assertAlmostEqual(fields["massTransitCeiling"], (2.5 + 0.918) / 0.918, places=3)
        self.assertAlmostEqual(fields["floor"] + fields["guarantees"] + fields["masstransit"] + fields["oursBeyondMassTransit"], 4.84 / 0.918, places=3)
        # Session 16's two-way split stays in the fields: ours = MassTransit + ours beyond it.
        self.assertAlmostEqual(fields["ours"], fields["masstransit"] + fields["oursBeyondMassTransit"], places=3)
        line = bench_summary.verdict_line({"name": "1: x", "value": 5.27, "shown": 5.27, "target": 3.5, "at_most": True, "ceiling": 2.0, "note": note})
        self.assertTrue(line.strip().startswith("FAIL"))
        self.assertIn("beyond this machine under the design card: the guarantees through MassTransit 8.5 cost 3.72x > 3.5x", line)

    def test_the_guarantees_alone_beyond_the_target_still_lead_and_masstransit_is_named_beside(self):
        note, fields = bench_summary.target1_split(3.774, 1.963, 0.4525, masstransit_ms=2.4)
        self.assertTrue(note.startswith("beyond this machine: the guarantees alone cost 5.34x > 3.5x"), note)
        self.assertIn("beyond this machine under the design card: the guarantees through MassTransit 8.5 cost 6.30x > 3.5x", note)
        self.assertTrue(fields["beyondThisMachine"] and fields["beyondThisMachineUnderDesignCard"])

    def test_reachable_when_the_masstransit_ceiling_lies_below_the_target_too(self):
        note, fields = bench_summary.target1_split(2.0, 0.5, 0.45, masstransit_ms=0.6)
        self.assertIn("the guarantees through MassTransit 8.5 cost 2.33x <= 3.5x: reachable here", note)
        self.assertNotIn("beyond this machine", note)
        self.assertFalse(fields["beyondThisMachineUnderDesignCard"])


class Target2Tests(unittest.TestCase):
    def test_the_note_names_the_pace_the_flat_out_rate_and_the_cpu_the_mix_asked(self):
        note, fields = bench_summary.target2_pace(155.8, 311.5, [70.1, 79.1, 80.7])
        self.assertEqual(note, "paced at 155.8 msg/s = 0.50x target 1's flat-out 311.5 msg/s; the mix asked 70-81 % of the machine's CPU")
        self.assertEqual(fields["paceMessagesPerSecond"], 155.8)
        self.assertEqual(fields["mixCpuSharePercent"], [70.1, 79.1, 80.7])

    def test_without_a_flat_out_run_or_cpu_figures_the_pace_is_still_named(self):
        note, fields = bench_summary.target2_pace(100.0, None, [None])
        self.assertEqual(note, "paced at 100.0 msg/s; the mix asked not measured of the machine's CPU")
        self.assertIsNone(fields["paceShareOfFlatOut"])


class Session15Copy:
    """A test's own copy of session 15's kept reports in self.dir."""

    def setUp(self):
        self.dir = tempfile.mkdtemp()
        for name in os.listdir(SESSION15):
            shutil.copy(os.path.join(SESSION15, name), self.dir)

    def tearDown(self):
        shutil.rmtree(self.dir)


class Session15SummaryTests(Session15Copy, unittest.TestCase):
    def summarize(self):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            bench_summary.main([self.dir, "--json", os.path.join(self.dir, "summary.json")])
        with open(os.path.join(self.dir, "summary.json")) as f:
            return out.getvalue(), {c["name"][:2]: c for c in json.load(f)["checks"] if c["issue"] == 17}

    def test_the_verdicts_of_session_15s_quiet_run(self):
        text, checks = self.summarize()
        self.assertIn("beyond this machine: the guarantees alone cost 5.34x > 3.5x", text)
        self.assertFalse(checks["1:"]["pass"])
        self.assertTrue(checks["1:"]["details"]["beyondThisMachine"])
        self.assertIn("paced at 155.8 msg/s = 0.50x target 1's flat-out 311.5 msg/s", text)
        self.assertEqual(checks["2:"]["details"]["paceMessagesPerSecond"], 155.8)
        # Since session 17 round 2's alone run (p99 127.6 ms, 23 mails > 100 ms) is set aside: rounds 1 and 3's alone runs
        # pooled give 40.4 ms against the mixed runs' 397.5 ms; every alone run pooled (the old rule) gave 4.68x.
        self.assertAlmostEqual(checks["2:"]["measured"], 9.84, places=2)
        self.assertAlmostEqual(checks["2:"]["details"]["pooledAllAlone"], 4.68, places=2)
        self.assertEqual(checks["2:"]["details"]["aloneRoundsUsed"], [1, 3])
        self.assertEqual([x["round"] for x in checks["2:"]["details"]["aloneRoundsSetAside"]], [2])
        self.assertIn("round 2's alone run SET ASIDE: its p99 127.6 ms is more than 2x the other alone runs' median 44.6 ms", text)
        self.assertIn("paced 227 left out of the model", text)
        self.assertEqual([p["kept"] for p in checks["4:"]["details"]["pacedRuns"]], [True, True, False])

    def test_a_directory_kept_before_session_19_has_no_masstransit_figures_and_still_prints(self):
        text, checks = self.summarize()
        self.assertNotIn("MassTransit ceiling", text)
        self.assertNotIn("masstransit", checks["1:"]["details"])

    def test_with_the_masstransit_run_target_1_names_the_third_ceiling_and_splits_four_ways(self):
        # A `bench guarantees --via masstransit` report of session 19 (fixtures/session19-masstransit) beside session 15's runs.
        shutil.copy(os.path.join(SESSION19, "guarantees-mt-1.json"), self.dir)
        with open(os.path.join(SESSION19, "guarantees-mt-1.json")) as f:
            mt = json.load(f)["machineCpuMillisecondsPerMail"]
        text, checks = self.summarize()
        details = checks["1:"]["details"]
        floor = details["floorMilliseconds"]
        self.assertIn("guarantees through MassTransit (smime bench guarantees --via masstransit", text)
        self.assertIn(f"MassTransit ceiling = (MassTransit guarantees CPU per mail + floor) / floor = ({mt:.3f} + {floor:.3f}) / {floor:.3f} = {(mt + floor) / floor:.2f}x", text)
        self.assertAlmostEqual(details["massTransitCeiling"], (mt + floor) / floor, places=3)
        self.assertAlmostEqual(details["floor"] + details["guarantees"] + details["masstransit"] + details["oursBeyondMassTransit"],
                               details["machineMillisecondsPerMail"] / floor, places=3)
        self.assertFalse(checks["1:"]["pass"])
        self.assertIn("the guarantees through MassTransit 8.5 cost", checks["1:"]["note"])

    def test_the_model_leaves_out_the_run_that_did_not_keep_its_pace(self):
        # With the run at 75 % the model was bound by the producer's backlog at 210 msg/s (1.44x); without it, by the
        # sender's window, fitted to the two runs that kept their pace.
        _, checks = self.summarize()
        self.assertGreater(checks["4:"]["details"]["predicted"], 300)


def run_summary(directory, *args):
    """bench_summary.py's main on `directory` with `args`: what it printed."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        bench_summary.main([directory, *args])
    return out.getvalue()


def latencies(n, p99, slow=0):
    """n small mails' publish -> file latencies (ms) whose nearest-rank p99 is p99: the bulk spread over 0.5-20.5 ms, the
    mails above the p99 just above it, and `slow` mails in all above 100 ms (those below the p99 placed between 100 ms
    and it)."""
    rank = math.ceil(0.99 * n) - 1
    values = [0.5 + 20.0 * i / rank for i in range(rank)]
    for j in range(max(0, slow - (n - rank))):
        values[rank - 1 - j] = 100 + (p99 - 100) * (j + 1) / (slow + 1)
    return values + [p99] + [p99 + 1 + i for i in range(n - 1 - rank)]


def session16_rounds():
    """Session 16's target 2: rounds 6.15, 5.78, 1.03; round 3's alone run had 47 of 1,500 mails above 100 ms, p99 145 ms
    (synthesized: its kept reports are not in the repository)."""
    return [(1, latencies(1500, 26.0), latencies(1350, 160.0)),
            (2, latencies(1500, 28.5), latencies(1350, 165.0)),
            (3, latencies(1500, 145.0, slow=47), latencies(1350, 149.4))]


class Target2CeilingTests(unittest.TestCase):
    """Target 2's ceiling under the guarantees (session 20): target 2's own rule on `bench guarantees` runs at its pace."""

    def test_beyond_this_machine_when_the_guarantees_alone_measure_more_than_3x(self):
        rule = bench_summary.target2_rule([(1, latencies(1500, 25.0), latencies(1350, 90.0)), (2, latencies(1500, 26.0), latencies(1350, 95.0))])
        note, fields = bench_summary.target2_ceiling(rule)
        self.assertGreater(rule["ratio"], 3.0)
        self.assertTrue(note.startswith(f"beyond this machine: the guarantees alone measure {rule['ratio']:.2f}x > 3x (their mixed p99 {rule['mixedP99']:.1f} ms"), note)
        self.assertTrue(fields["beyondThisMachine"])
        self.assertAlmostEqual(fields["guaranteesCeiling"], round(rule["ratio"], 4))
        self.assertEqual(fields["guarantees"]["aloneRoundsUsed"], [1, 2])

    def test_reachable_when_the_guarantees_alone_stay_within_3x(self):
        rule = bench_summary.target2_rule([(1, latencies(1500, 25.0), latencies(1350, 37.5))])
        note, fields = bench_summary.target2_ceiling(rule)
        self.assertAlmostEqual(rule["ratio"], 1.5)
        self.assertTrue(note.startswith("the guarantees alone measure 1.50x <= 3x: reachable here"), note)
        self.assertNotIn("beyond", note)
        self.assertFalse(fields["beyondThisMachine"])

    def test_the_ceiling_sets_aside_a_stalled_alone_run_as_target_2_does(self):
        # Session 16's pattern on the guarantees' runs: the third alone run's tail is the machine's, not the mix's.
        rule = bench_summary.target2_rule(session16_rounds())
        note, fields = bench_summary.target2_ceiling(rule)
        self.assertEqual([x["round"] for x in fields["guarantees"]["aloneRoundsSetAside"]], [3])
        self.assertIn("round 3's alone run set aside", note)
        self.assertGreater(fields["guaranteesCeiling"], fields["guarantees"]["pooledAllAlone"])

    def test_a_verdict_line_beyond_the_ceiling_reads_fail_and_says_why(self):
        rule = bench_summary.target2_rule([(1, latencies(1500, 25.0), latencies(1350, 112.5))])
        self.assertAlmostEqual(rule["ratio"], 4.5)
        note, _ = bench_summary.target2_ceiling(rule)
        line = bench_summary.verdict_line({"name": "2: x", "value": 9.62, "shown": 9.62, "target": 3.0, "at_most": True,
                                           "ceiling": rule["ratio"], "note": note})
        self.assertTrue(line.strip().startswith("FAIL"))
        self.assertIn("ceiling 4.500  (target beyond ceiling); beyond this machine: the guarantees alone measure 4.50x > 3x", line)


class Target2RuleTests(unittest.TestCase):
    def test_the_synthesized_runs_have_session_16s_p99s(self):
        rule = bench_summary.target2_rule(session16_rounds())
        self.assertEqual([(x["aloneP99"], x["mixedP99"]) for x in rule["rounds"]], [(26.0, 160.0), (28.5, 165.0), (145.0, 149.4)])
        self.assertEqual(rule["rounds"][2]["aloneOver100Milliseconds"], 47)
        self.assertEqual([round(x, 2) for x in rule["ratios"]], [6.15, 5.79, 1.03])

    def test_session_16s_stalled_alone_run_is_set_aside_and_the_target_fails(self):
        rule = bench_summary.target2_rule(session16_rounds())
        self.assertLess(rule["pooledAllAlone"], 3.0)  # the rule of sessions 11-16 passed on round 3's alone tail
        self.assertEqual([x["round"] for x in rule["aloneRoundsSetAside"]], [3])
        self.assertEqual(rule["aloneRoundsSetAside"][0]["over100Milliseconds"], 47)
        self.assertEqual(rule["aloneRoundsUsed"], [1, 2])
        self.assertEqual(rule["aloneMails"], 3000)
        self.assertEqual(rule["mixedMails"], 4050)
        self.assertGreater(rule["ratio"], 3.0)
        self.assertAlmostEqual(rule["ratio"], rule["mixedP99"] / rule["aloneP99"])

    def test_a_stalled_mixed_run_is_never_set_aside(self):
        # A mixed run's tail may be what target 2 measures: it stays in the numerator, and the verdict is the old pooled one.
        rounds = [(1, latencies(1500, 26.0), latencies(1350, 60.0)), (2, latencies(1500, 28.5), latencies(1350, 62.0)),
                  (3, latencies(1500, 30.0), latencies(1350, 400.0, slow=60))]
        rule = bench_summary.target2_rule(rounds)
        self.assertEqual(rule["aloneRoundsSetAside"], [])
        self.assertEqual(rule["ratio"], rule["pooledAllAlone"])
        self.assertGreater(rule["mixedP99"], 100)

    def test_alone_runs_within_twice_the_others_median_are_all_pooled(self):
        rounds = [(k, latencies(1500, p99), latencies(1350, 80.0)) for k, p99 in ((1, 30.0), (2, 59.0), (3, 45.0))]
        rule = bench_summary.target2_rule(rounds)
        self.assertEqual(rule["aloneRoundsUsed"], [1, 2, 3])
        self.assertEqual(rule["aloneMails"], 4500)

    def test_setting_aside_only_ever_makes_the_verdict_stricter(self):
        for p99s in ((20.0, 25.0, 300.0), (40.0, 200.0, 210.0), (26.0, 145.0), (100.0, 30.0, 31.0, 29.0), (50.0, 50.0, 50.0)):
            rounds = [(k, latencies(1500, p99, slow=47 if p99 > 100 else 0), latencies(1350, 90.0)) for k, p99 in enumerate(p99s, 1)]
            rule = bench_summary.target2_rule(rounds)
            self.assertGreaterEqual(rule["ratio"], rule["pooledAllAlone"], p99s)
            self.assertTrue(rule["aloneRoundsUsed"], p99s)  # the fastest alone run is never set aside

    def test_of_two_rounds_the_higher_alone_tail_is_set_aside_when_twice_the_other(self):
        rule = bench_summary.target2_rule([(1, latencies(1500, 26.0), latencies(1350, 90.0)), (2, latencies(1500, 60.0), latencies(1350, 90.0))])
        self.assertEqual([x["round"] for x in rule["aloneRoundsSetAside"]], [2])
        self.assertEqual(rule["aloneRoundsSetAside"][0]["othersMedianP99"], 26.0)

    def test_the_note_names_the_runs_that_decided_and_keeps_the_old_figures_beside(self):
        note = bench_summary.target2_rule_note(bench_summary.target2_rule(session16_rounds()))
        self.assertIn("/ alone p99 ", note)
        self.assertIn("(rounds 1, 2, 3000 mails)", note)
        self.assertIn("round 3's alone run set aside (p99 145.0 ms > 2x the other alone runs' median 27.2 ms; 47 of 1500 mails > 100 ms)", note)
        self.assertIn("all alone runs pooled (the rule of sessions 11-16)", note)
        self.assertIn("median of the rounds' ratios 5.79x", note)


class TwoThreadPairsTests(unittest.TestCase):
    @staticmethod
    def run_of(rate, floor_rate):
        return {"messagesPerSecond": rate, "floorThroughput": {"messagesPerSecond": floor_rate}}

    def pairs(self, ratios, floors=(1.887, 1.985, 1.789)):
        return [(p, self.run_of(2000.0, 2500.0), self.run_of(2000.0 * x, 2500.0 * f)) for p, (x, f) in enumerate(zip(ratios, floors), 1)]

    def test_the_median_pair_decides_and_the_floors_median_is_the_ceiling(self):
        # Session 16: 1.789x in bench.sh's one pair, 1.833x and 1.832x right after; the floor's 1.887, 1.985, 1.789.
        threads = bench_summary.two_thread_pairs(self.pairs((1.789, 1.833, 1.832)))
        self.assertAlmostEqual(threads["median"], 1.832)
        self.assertEqual(threads["decidedBy"], [3])
        self.assertAlmostEqual(threads["floorMedian"], 1.887)

    def test_one_disturbed_pair_does_not_decide_in_either_direction(self):
        self.assertAlmostEqual(bench_summary.two_thread_pairs(self.pairs((1.30, 1.84, 1.85)))["median"], 1.84)
        self.assertAlmostEqual(bench_summary.two_thread_pairs(self.pairs((1.70, 1.75, 2.40)))["median"], 1.75)

    def test_an_even_count_is_decided_by_the_two_middle_pairs(self):
        threads = bench_summary.two_thread_pairs(self.pairs((1.70, 1.90, 1.80, 1.85), floors=(1.9, 1.9, 1.9, 1.9)))
        self.assertAlmostEqual(threads["median"], 1.825)
        self.assertEqual(threads["decidedBy"], [3, 4])

    def test_without_the_floor_on_threads_there_is_no_ceiling(self):
        threads = bench_summary.two_thread_pairs([(1, {"messagesPerSecond": 100.0}, {"messagesPerSecond": 190.0})])
        self.assertIsNone(threads["floorMedian"])
        self.assertIsNone(threads["pairs"][0]["floorRatio"])


class Session17RulesOnReportsTests(unittest.TestCase):
    """The summary on a results directory as bench.sh keeps it since session 17: session 15's reports, with target 2's
    latencies replaced by session 16's pattern and target 3's one pair copied into three."""

    def setUp(self):
        self.dir = tempfile.mkdtemp()
        for name in os.listdir(SESSION15):
            shutil.copy(os.path.join(SESSION15, name), self.dir)
        for k, alone, mixed in session16_rounds():
            for variant, values in (("paced", alone), ("mixed", mixed)):
                path = os.path.join(self.dir, f"{variant}-1-{k}.json")
                with open(path) as f:
                    report = json.load(f)
                report["latenciesMilliseconds"] = values
                report["latencyP99Milliseconds"] = bench_summary.nearest_rank(sorted(values), 0.99)
                with open(path, "w") as f:
                    json.dump(report, f)
        # Three thread pairs: ratios 1.70, 1.85, 1.83 (the middle one, pair 3, decides); the floor's 1.90, 1.95, 1.80.
        for name in ("1t", "2t"):
            with open(os.path.join(self.dir, f"standard-rsa2048-{name}-1.json")) as f:
                report = json.load(f)
            os.remove(os.path.join(self.dir, f"standard-rsa2048-{name}-1.json"))
            for pair, (ratio, floor) in enumerate(((1.70, 1.90), (1.85, 1.95), (1.83, 1.80)), 1):
                x = json.loads(json.dumps(report))
                result = x["results"][0]
                result["messagesPerSecond"] = 2000.0 * (ratio if name == "2t" else 1.0)
                result["floorThroughput"]["messagesPerSecond"] = 2500.0 * (floor if name == "2t" else 1.0)
                with open(os.path.join(self.dir, f"standard-rsa2048-{name}-1-{pair}.json"), "w") as f:
                    json.dump(x, f)

    def tearDown(self):
        shutil.rmtree(self.dir)

    def run_main(self, *args):
        return run_summary(self.dir, *args)

    def summarize(self):
        text = self.run_main("--json", os.path.join(self.dir, "summary.json"))
        with open(os.path.join(self.dir, "summary.json")) as f:
            checks = json.load(f)["checks"]
        return text, checks

    def test_target_2_fails_on_the_runs_in_line_and_says_which_decided(self):
        text, checks = self.summarize()
        t2 = next(c for c in checks if c["name"].startswith("2:"))
        self.assertFalse(t2["pass"])
        self.assertGreater(t2["measured"], 3.0)
        self.assertLess(t2["details"]["pooledAllAlone"], 3.0)
        self.assertEqual(t2["details"]["aloneRoundsUsed"], [1, 2])
        self.assertEqual(t2["details"]["aloneRoundsSetAside"][0]["round"], 3)
        self.assertEqual([x["aloneP99"] for x in t2["details"]["rounds"]], [26.0, 28.5, 145.0])
        self.assertIn("stalled alone runs set aside", t2["name"])
        line = next(x for x in text.splitlines() if "FAIL  2:" in x)
        self.assertIn("(rounds 1, 2, 3000 mails); round 3's alone run set aside", line)
        self.assertIn("the rule of sessions 11-16", line)

    def test_bench_sh_asks_which_alone_runs_are_set_aside(self):
        self.assertEqual(self.run_main("--target2-set-aside", "1", "--target2-rounds", "3").strip().splitlines(),
                         ["round 3's alone run set aside (p99 145.0 ms > 2x the other alone runs' median 27.2 ms; 47 of 1500 mails > 100 ms)"])

    def test_no_alone_run_set_aside_prints_nothing_for_bench_sh(self):
        for k in (1, 2, 3):
            shutil.copy(os.path.join(SESSION15, f"paced-1-{k}.json"), os.path.join(self.dir, f"paced-1-{k}.json"))
        os.remove(os.path.join(self.dir, "paced-1-2.json"))  # session 15's stalled one; two rounds left, in line
        os.remove(os.path.join(self.dir, "mixed-1-2.json"))
        self.assertEqual(self.run_main("--target2-set-aside", "1", "--target2-rounds", "3"), "")

    def test_the_extra_round_is_read_and_named(self):
        with open(os.path.join(self.dir, "paced-1-1.json")) as f:
            alone = json.load(f)
        with open(os.path.join(self.dir, "mixed-1-1.json")) as f:
            mixed = json.load(f)
        for variant, report in (("paced", alone), ("mixed", mixed)):
            with open(os.path.join(self.dir, f"{variant}-1-4.json"), "w") as f:
                json.dump(report, f)
        with open(os.path.join(self.dir, "target2-extra-1.txt"), "w") as f:
            f.write("round 3's alone run set aside (p99 145.0 ms > 2x the other alone runs' median 27.2 ms; 47 of 1500 mails > 100 ms)\n")
        text = self.run_main("--target2-rounds", "3")
        self.assertIn("4 rounds of alone + mixed", text)
        self.assertIn("round 4 is bench.sh's one extra round: round 3's alone run set aside", text)
        line = next(x for x in text.splitlines() if "FAIL  2:" in x)
        self.assertIn("(rounds 1, 2, 4, 4500 mails)", line)

    def test_a_run_that_failed_is_left_out_and_named(self):
        # bench.sh's exit trap summarizes what finished; a failed bench's JSON file holds its log lines.
        with open(os.path.join(self.dir, "mixed-1-3.json"), "w") as f:
            f.write("fail: Microsoft.Extensions.Hosting.Internal.Host[11] Hosting failed to start\n")
        text, checks = self.summarize()
        self.assertIn("(mixed-1-3.json is not a report: its run failed; left out)", text)
        t2 = next(c for c in checks if c["name"].startswith("2:"))
        self.assertEqual([x["round"] for x in t2["details"]["rounds"]], [1, 2])
        self.assertEqual(t2["details"]["aloneRoundsSetAside"], [])

    def test_target_3s_two_threads_is_the_median_pair_with_the_floors_median_as_ceiling(self):
        text, checks = self.summarize()
        t3 = next(c for c in checks if c["name"].startswith("3: two threads"))
        self.assertEqual(t3["name"], "3: two threads >= 1.8x one thread (median of 3 pairs)")
        self.assertAlmostEqual(t3["measured"], 1.83)
        self.assertAlmostEqual(t3["ceiling"], 1.90)
        self.assertTrue(t3["pass"])
        self.assertEqual(t3["details"]["decidedBy"], [3])
        self.assertEqual([round(x["ratio"], 2) for x in t3["details"]["pairs"]], [1.70, 1.85, 1.83])
        self.assertIn("pair 2 (2 then 1): ours 1.850x", text)
        self.assertIn("median of 3 pairs (1.700, 1.850, 1.830; decided by pair 3)", text)
        # Issue 6's end-to-end check divides by the deciding pair's two-thread rate.
        e2e = next(c for c in checks if c["name"].startswith("end to end"))
        with open(os.path.join(self.dir, "pipeline-1.json")) as f:
            self.assertAlmostEqual(e2e["measured"], json.load(f)["messagesPerSecond"] / (2000.0 * 1.83))


class Target2CeilingOnReportsTests(Session15Copy, unittest.TestCase):
    """Target 2's ceiling in the summary of a results directory (session 20): session 15's reports (target 2's mixed p99
    397.5 ms, its alone runs in line 40.4 ms) with the guarantees' runs at the same pace beside them."""

    def write_ceiling_runs(self, p99s):
        """guarantees-paced-1-K and guarantees-mixed-1-K for each (alone p99, mixed p99) of p99s, from the session-20 report;
        returns target 2's rule on them (what the summary must find)."""
        with open(SESSION20) as f:
            template = json.load(f)
        rounds = []
        for k, (alone, mixed) in enumerate(p99s, 1):
            values = {}
            for variant, p99, n in (("paced", alone, 1500), ("mixed", mixed, 1350)):
                values[variant] = latencies(n, p99, slow=47 if p99 > 100 else 0)
                report = dict(template, latenciesMilliseconds=values[variant], largeEvery=0 if variant == "paced" else 10)
                with open(os.path.join(self.dir, f"guarantees-{variant}-1-{k}.json"), "w") as f:
                    json.dump(report, f)
            rounds.append((k, values["paced"], values["mixed"]))
        return bench_summary.target2_rule(rounds)

    def run_main(self, *args):
        return run_summary(self.dir, *args)

    def target2(self):
        text = self.run_main("--json", os.path.join(self.dir, "summary.json"))
        with open(os.path.join(self.dir, "summary.json")) as f:
            return text, next(c for c in json.load(f)["checks"] if c["name"].startswith("2:"))

    def test_beyond_this_machine_the_line_says_so_and_the_verdict_stays_on_the_measured_figure(self):
        rule = self.write_ceiling_runs([(25.0, 90.0), (26.0, 95.0), (24.0, 80.0)])
        text, t2 = self.target2()
        self.assertFalse(t2["pass"])
        self.assertAlmostEqual(t2["measured"], 9.84, places=2)  # target 2's own figure, unchanged
        self.assertGreater(rule["ratio"], 3.0)
        self.assertAlmostEqual(t2["ceiling"], rule["ratio"], places=4)
        self.assertTrue(t2["details"]["beyondThisMachine"])
        self.assertAlmostEqual(t2["details"]["guaranteesCeiling"], round(rule["ratio"], 4))
        self.assertEqual(t2["details"]["guarantees"]["aloneRoundsUsed"], [1, 2, 3])
        beyond = f"beyond this machine: the guarantees alone measure {rule['ratio']:.2f}x > 3x"
        self.assertTrue(t2["note"].startswith(beyond), t2["note"])
        line = next(x for x in text.splitlines() if "FAIL  2:" in x)
        self.assertIn(f"(target beyond ceiling); {beyond}", line)
        self.assertIn("target 2's ceiling under the guarantees (smime bench guarantees, no crypto, no MIME, no MassTransit) at 50.0 msg/s", text)
        self.assertIn("every 10th mail large: 1545078 B command as a claim in PostgreSQL (233 B reference through the queue), 2896652 B pickup file", text)

    def test_within_3x_the_ceiling_says_reachable_and_target_2_keeps_its_own_verdict(self):
        rule = self.write_ceiling_runs([(25.0, 37.5), (25.0, 37.5)])
        _, t2 = self.target2()
        self.assertFalse(t2["pass"])
        self.assertFalse(t2["details"]["beyondThisMachine"])
        self.assertAlmostEqual(t2["ceiling"], rule["ratio"], places=4)
        self.assertTrue(t2["note"].startswith("the guarantees alone measure 1.50x <= 3x: reachable here"), t2["note"])

    def test_a_stalled_guarantees_alone_run_is_set_aside_and_named_for_bench_sh(self):
        self.write_ceiling_runs([(25.0, 90.0), (27.0, 95.0), (145.0, 80.0)])
        self.assertEqual(self.run_main("--target2-set-aside", "1", "--target2-rounds", "3", "--guarantees").strip().splitlines(),
                         ["round 3's alone run set aside (p99 145.0 ms > 2x the other alone runs' median 26.0 ms; 47 of 1500 mails > 100 ms)"])
        _, t2 = self.target2()
        self.assertEqual(t2["details"]["guarantees"]["aloneRoundsUsed"], [1, 2])
        # Target 2's own runs are not the ceiling's: session 15's set-aside is its round 2, printed without --guarantees.
        self.assertIn("round 2's alone run", self.run_main("--target2-set-aside", "1", "--target2-rounds", "3"))

    def test_a_directory_kept_before_session_20_keeps_the_ceiling_of_1(self):
        text, t2 = self.target2()
        self.assertEqual(t2["ceiling"], 1.0)
        self.assertNotIn("guaranteesCeiling", t2["details"])
        self.assertNotIn("the guarantees alone measure", text)


class BenchTimeTests(unittest.TestCase):
    def test_every_run_goes_to_its_phase_in_bench_sh_order(self):
        lines = ["build 95.0\n", "services 20.5\n", "openssl-1 10.2\n", "standard-rsa2048-1 62.0\n", "small-p256-1 61.0\n",
                 "standard-rsa2048-1t-1-1 44.0\n", "standard-rsa2048-2t-1-1 28.0\n", "standard-rsa2048-2t-1 46.0\n",
                 "worker-gc-standard-1 41.0\n", "pipeline-1 60.0\n", "guarantees-1 40.0\n", "guarantees-mt-1 45.0\n", "paced-1-1 30.0\n", "mixed-1-4 35.0\n",
                 "guarantees-paced-1-1 20.0\n", "guarantees-mixed-1-2 25.0\n", "pinned-1 80.0\n", "pinned-idle-1 15.0\n", "pinned-paced25-1 30.0\n", "confirm-1 9.0\n", "something 1.0\n", "torn"]
        phases = bench_summary.bench_time(lines)
        self.assertEqual([(label, round(seconds, 1), runs) for label, seconds, runs in phases], [
            ("build", 95.0, 1), ("private services", 20.5, 1), ("openssl speed", 10.2, 1),
            ("protect on core 0 (issue 6, target 3's own work)", 123.0, 2), ("target 3's thread pairs", 118.0, 3),
            ("own-cpu, worker GC (target 3)", 41.0, 1), ("target 1, flat out and the guarantees", 145.0, 3),
            ("target 2's rounds", 65.0, 2), ("target 2's ceiling: the guarantees alone at its pace", 45.0, 2),
            ("target 4, pinned", 134.0, 4), ("other", 1.0, 1)])


if __name__ == "__main__":
    unittest.main()
