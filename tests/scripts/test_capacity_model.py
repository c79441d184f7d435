"""Unit tests of scripts/capacity_model.py (issue 17, target 4): which paced runs kept their pace, and that the model is
fitted to those alone. Run by scripts/test.sh (python3 -m unittest discover -s tests/scripts)."""
import io
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
import capacity_model  # noqa: E402


def stage(mean):
    return {"mails": 1000, "p50Milliseconds": mean, "p99Milliseconds": mean * 3, "meanMilliseconds": mean, "maxMilliseconds": mean * 5}


def paced_run(asked, delivered, u0, u1=0.2, signer_queue_ms=0.5, signer_inside=1.0, sender_inside=0.8, total_ms=8.0):
    """A pinned `bench pipeline --json` report with what the model reads: smime's and the broker's CPU per mail chosen so
    that the cores' loads are u0 and u1 at the delivered rate (no interrupts)."""
    return {
        "messagesPerSecond": delivered, "publishRate": asked, "messages": round(asked * 15),
        "processCpuMillisecondsPerMail": u0 * 1000 / delivered, "brokerCpuMillisecondsPerMail": u1 * 1000 / delivered,
        "coreUtilisation": [u0, u1], "coreInterruptShare": [0.0, 0.0], "jitMethodsCompiled": 0,
        "stages": {
            "publish": stage(2.0), "signerQueue": stage(signer_queue_ms), "senderQueue": stage(0.0), "handOver": stage(0.5),
            "signerAfterHandOver": stage(0.0), "senderAfterAnswer": stage(0.0), "total": stage(total_ms),
            "occupancy": {"signerInFlight": {"average": signer_inside, "limit": 16, "fullShare": 0.0},
                          "senderConcurrency": {"average": sender_inside, "limit": 10, "fullShare": 0.0}},
        },
    }


class PaceTests(unittest.TestCase):
    def test_a_run_that_delivered_what_was_asked_with_a_short_queue_kept_its_pace(self):
        verdict = capacity_model.pace(paced_run(233.2, 233.2, 0.70, signer_queue_ms=2.9))
        self.assertTrue(verdict["kept"])
        self.assertEqual(verdict["why"], "")
        self.assertAlmostEqual(verdict["waiting"], 233.2 * 2.9 / 1000, places=3)

    def test_delivering_below_98_percent_of_the_rate_asked_is_not_keeping_pace(self):
        verdict = capacity_model.pace(paced_run(226.7, 217.7, 0.81))
        self.assertFalse(verdict["kept"])
        self.assertIn("delivered 217.7 of 226.7 msg/s asked", verdict["why"])

    def test_as_many_mails_queued_as_the_signer_has_places_is_not_keeping_pace_even_at_the_rate_asked(self):
        # 200 msg/s x 80 ms in the signer's queue = 16 mails waiting on average: the signer's whole window.
        verdict = capacity_model.pace(paced_run(200.0, 200.0, 0.7, signer_queue_ms=80.0))
        self.assertFalse(verdict["kept"])
        self.assertIn("16 mails waited", verdict["why"])
        self.assertNotIn("delivered", verdict["why"])

    def test_session_15s_run_at_75_percent_fails_both_tests(self):
        # The quiet run's figures (/tmp/q15/keep/pinned-paced75-1.json): 217.7 of 226.7 msg/s, 451.7 ms in the signer's queue.
        verdict = capacity_model.pace(paced_run(226.7, 217.7, 0.81, signer_queue_ms=451.73))
        self.assertFalse(verdict["kept"])
        self.assertIn("delivered", verdict["why"])
        self.assertIn("98 mails waited", verdict["why"])


class ModelTests(unittest.TestCase):
    def kept_pair(self):
        # smime's core: 10 % + rate x 2 ms; the broker's: 1 % + rate x 1 ms.
        return [paced_run(r, r, 0.10 + r * 0.002, 0.01 + r * 0.001) for r in (75.0, 150.0)]

    def test_the_model_is_fitted_to_the_runs_that_kept_their_pace_only(self):
        saturated = paced_run(226.7, 217.7, 0.95, 0.15, signer_queue_ms=450.0, signer_inside=11.5, total_ms=495.0)
        with_it = capacity_model.model(self.kept_pair() + [saturated])
        without_it = capacity_model.model(self.kept_pair())
        self.assertEqual(len(with_it["points"]), 2)
        self.assertAlmostEqual(with_it["cores"]["u0"]["costMs"], 2.0, places=6)
        self.assertAlmostEqual(with_it["cores"]["u0"]["background"], 0.10, places=6)
        self.assertEqual(with_it["cores"], without_it["cores"])
        self.assertEqual(with_it["windows"], without_it["windows"])

    def test_fewer_than_two_kept_runs_build_no_model(self):
        saturated = paced_run(226.7, 217.7, 0.95, signer_queue_ms=450.0)
        self.assertIsNone(capacity_model.model(self.kept_pair()[:1] + [saturated]))

    def test_a_window_that_held_no_mail_for_a_measurable_time_bounds_nothing(self):
        runs = [paced_run(r, r, 0.10 + r * 0.002, 0.01 + r * 0.001, total_ms=0.0) for r in (75.0, 150.0)]
        m = capacity_model.model(runs)
        self.assertEqual(m["windows"]["backlog"]["e"] + m["windows"]["backlog"]["a"] + m["windows"]["backlog"]["b"], 0.0)
        rate, bounds = capacity_model.predict(m, backlog=64)
        self.assertGreater(rate, 0)
        self.assertEqual(dict((name.split(" (")[0], r) for name, r in bounds)["the producer's backlog"], float("inf"))

    def test_the_report_names_the_run_it_left_out_and_why(self):
        saturated = paced_run(226.7, 217.7, 0.95, 0.15, signer_queue_ms=450.0, signer_inside=11.5, total_ms=495.0)
        flat_out = paced_run(0.0, 300.0, 0.7, 0.3, signer_queue_ms=160.0, signer_inside=14.0, total_ms=190.0)
        flat_out["backlog"] = 64
        out = io.StringIO()
        outcome = capacity_model.report(flat_out, self.kept_pair() + [saturated], out=out)
        text = out.getvalue()
        self.assertIsNotNone(outcome)
        self.assertIn("left out of the model, paced 227 did not keep its pace: delivered 217.7 of 226.7 msg/s asked", text)
        self.assertIn("2 of 3 paced runs", text)
        self.assertIn("paced 227 (!)", text)


if __name__ == "__main__":
    unittest.main()
