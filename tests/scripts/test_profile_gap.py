"""Unit tests of scripts/profile_gap.py (issue 17, session 21): the product (P) against the MassTransit ceiling (M), per
mail, from scripts/profile-gap.sh's run directories. Run by scripts/test.sh (python3 -m unittest discover -s tests/scripts)."""
import importlib.util
import json
import os
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("profile_gap", os.path.join(HERE, "..", "..", "scripts", "profile_gap.py"))
profile_gap = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(profile_gap)

TICK = os.sysconf("SC_CLK_TCK")

# One sample of each kind as `perf script` prints them: OpenSSL's leaf, the kernel under openat, a MassTransit frame.
OPENSSL = """.NET TP Worker 101 1.0:    2004008 cpu-clock: 
\t    7f00aa bn_mul_mont_fixed_top+0x10 (/usr/lib/x86_64-linux-gnu/libcrypto.so.3)
"""
OPENAT = """.NET TP Worker 101 1.1:    2004008 cpu-clock: 
\tffffffff81700000 ext4_create+0x10 ([kernel.kallsyms])
\tffffffff81700100 __x64_sys_openat+0x6c ([kernel.kallsyms])
\t          108f36 __open64+0x56 (/usr/lib/x86_64-linux-gnu/libc.so.6)
"""
MASSTRANSIT = """.NET TP Worker 102 1.2:    2004008 cpu-clock: 
\t    7f8c9f1ed2e0 instance class [System.Runtime]System.Threading.Tasks.Task [MassTransit] MassTransit.Middleware.DeserializeFilter::Send(class [MassTransit.Abstractions]MassTransit.ReceiveContext)[OptimizedTier1]+0x30 (/tmp/perf-1.map)
"""


def write_run(out, name, samples, mails, smime_ticks, broker_ticks, machine_ticks, bench):
    run = os.path.join(out, name)
    os.makedirs(run)
    with open(os.path.join(run, "perf.txt"), "w") as f:
        f.write("\n".join(samples))
    with open(os.path.join(run, "window.txt"), "w") as f:
        f.write(f"record-start 0 100 1000 500 5000\n")
        f.write(f"record-end 2000000000 {100 + mails} {1000 + smime_ticks} {500 + broker_ticks} {5000 + machine_ticks}\n")
        f.write("load after: 1.0 1.0 1.0\n")
    with open(os.path.join(run, "bench.json"), "w") as f:
        json.dump(bench, f)


class ProfileGapTests(unittest.TestCase):
    def runs(self):
        out = tempfile.mkdtemp()
        self.addCleanup(lambda: __import__("shutil").rmtree(out))
        # P: 2 of 4 samples OpenSSL, 1 openat, 1 MassTransit; 50 mails on 2 s of smime CPU (40 ms/mail at 100 ticks/s).
        write_run(out, "run1-P", [OPENSSL, OPENSSL, OPENAT, MASSTRANSIT], 50, 2 * TICK, TICK, 4 * TICK,
                  {"allocatedBytesPerMail": 320000, "threadPoolWorkItemsPerMail": 27.0})
        # M: no OpenSSL; 1 openat, 1 MassTransit; 100 mails on 1 s of smime CPU.
        write_run(out, "run2-M", [OPENAT, MASSTRANSIT], 100, TICK, TICK, 3 * TICK,
                  {"allocatedBytesPerMail": 290000, "threadPoolWorkItemsPerMail": 25.0})
        with open(os.path.join(out, "floor-1.json"), "w") as f:
            json.dump({"results": [{"cryptoFloor": {"microseconds": 9999.0}, "ownWorkByCpuTime": {"floorMicroseconds": 800.0}}]}, f)
        return profile_gap.load_runs(out)

    def test_each_component_is_its_share_of_the_samples_times_the_windows_cpu_per_mail(self):
        rows = self.runs()
        table = {label: (p, m) for label, p, m in profile_gap.components(rows)}
        self.assertAlmostEqual(table["protect stage: OpenSSL (the crypto floor)"][0], 20000.0)  # 2/4 of 40 ms
        self.assertEqual(table["protect stage: OpenSSL (the crypto floor)"][1], 0.0)
        self.assertAlmostEqual(table["kernel: openat (creating pickup files)"][0], 10000.0)
        self.assertAlmostEqual(table["kernel: openat (creating pickup files)"][1], 5000.0)  # 1/2 of 10 ms
        self.assertAlmostEqual(table["MassTransit pipeline (filters, contexts, topology, confirms)"][1], 5000.0)

    def test_the_components_add_up_to_smimes_cpu_per_mail_and_the_rest_is_the_machine_less_smime_and_broker(self):
        rows = self.runs()
        p_sum = sum(p or 0 for _, p, _ in profile_gap.components(rows))
        m_sum = sum(m or 0 for _, _, m in profile_gap.components(rows))
        self.assertAlmostEqual(p_sum, 40000.0)
        self.assertAlmostEqual(m_sum, 10000.0)
        p = rows["P"][0]["rec"]
        self.assertAlmostEqual(p["broker"], 20.0)
        self.assertAlmostEqual(p["rest"], 80.0 - 40.0 - 20.0)
        self.assertAlmostEqual(p["rate"], 25.0)

    def test_the_floor_is_bench_protects_cpu_time_floor_not_its_wall_clock_one(self):
        rows = self.runs()
        self.assertEqual(rows["P"][0]["floor"], 800.0)
        self.assertEqual(rows["M"][0]["floor"], 800.0)

    def test_a_run_whose_window_has_no_end_is_left_out(self):
        out = tempfile.mkdtemp()
        self.addCleanup(lambda: __import__("shutil").rmtree(out))
        write_run(out, "run1-P", [OPENSSL], 10, TICK, TICK, TICK, {})
        with open(os.path.join(out, "run1-P", "window.txt"), "w") as f:
            f.write("record-start 0 100 1000 500 5000\n")
        self.assertEqual(profile_gap.load_runs(out), {"P": [], "M": []})


if __name__ == "__main__":
    unittest.main()
