"""Unit tests of scripts/wakeups_report.py (issue 17, session 19): blockings per mail by thread group and wait, from
`perf script` of sched:sched_switch with stacks, and system calls per mail from `perf stat --per-thread -x,`. Run by
scripts/test.sh (python3 -m unittest discover -s tests/scripts)."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "..", "..", "scripts", "wakeups_report.py")

# Three switches as `perf script -F tid,comm,event,trace,ip,sym,dso` prints them: a pool worker asleep in fsync (D), the
# sockets thread in epoll_wait (S), and a pool worker preempted in sched_yield (R: not a blocking).
SCHED = """\
.NET TP Worker 101 sched:sched_switch: prev_comm=.NET TP Worker prev_pid=101 prev_prio=120 prev_state=D ==> next_comm=swapper/0 next_pid=0 next_prio=120
\tffffffff82258a08 __schedule ([kernel.kallsyms])
\tffffffff8225aaaa io_schedule ([kernel.kallsyms])
\tffffffff8225bbbb do_fsync ([kernel.kallsyms])
\t           99999 fsync (/usr/lib/x86_64-linux-gnu/libc.so.6)

.NET Sockets 102 sched:sched_switch: prev_comm=.NET Sockets prev_pid=102 prev_prio=120 prev_state=S ==> next_comm=swapper/1 next_pid=0 next_prio=120
\tffffffff82258a08 __schedule ([kernel.kallsyms])
\tffffffff8233cccc ep_poll ([kernel.kallsyms])
\t           88888 epoll_wait (/usr/lib/x86_64-linux-gnu/libc.so.6)

.NET TP Worker 103 sched:sched_switch: prev_comm=.NET TP Worker prev_pid=103 prev_prio=120 prev_state=R ==> next_comm=beam.smp next_pid=7 next_prio=120
\tffffffff82258a08 __schedule ([kernel.kallsyms])
\tffffffff8144dddd do_sched_yield ([kernel.kallsyms])
\t           77777 __sched_yield (/usr/lib/x86_64-linux-gnu/libc.so.6)
"""

SYSCALLS = """\
# started on Thu Dec  3 20:00:00 2026

.NET TP Worker-101,8,,syscalls:sys_enter_fsync,1000,100.00,,
.NET TP Worker-103,4,,syscalls:sys_enter_fsync,1000,100.00,,
.NET Sockets-102,2,,syscalls:sys_enter_epoll_wait,1000,100.00,,
"""


class WakeupsReportTests(unittest.TestCase):
    def report(self, mails):
        with tempfile.TemporaryDirectory() as out:
            for name, text in (("x.sched.txt", SCHED), ("x.syscalls", SYSCALLS), ("x.mails", f"{mails}\n")):
                with open(os.path.join(out, name), "w") as f:
                    f.write(text)
            done = subprocess.run([sys.executable, SCRIPT, out, "x", "--json"], capture_output=True, text=True, check=True)
            return json.loads(done.stdout)

    def test_blockings_are_the_switches_in_state_s_or_d_per_mail_by_group_and_wait(self):
        r = self.report(mails=4)
        self.assertEqual(r["mails"], 4)
        self.assertEqual(r["blockingsPerMail"], 0.5)  # 2 of the 3 switches, 4 mails
        self.assertEqual(r["blockingsByGroup"], {".NET TP Worker": 0.25, ".NET Sockets": 0.25})
        waits = {(b["group"], b["kernel"]) for b in r["blockings"]}
        self.assertEqual(waits, {(".NET TP Worker", "fsync"), (".NET Sockets", "epoll_wait")})

    def test_a_preemption_in_sched_yield_is_counted_apart_not_as_a_blocking(self):
        r = self.report(mails=1)
        self.assertEqual(r["preemptions"], [{"group": ".NET TP Worker", "kind": "sched_yield", "perMail": 1.0}])

    def test_system_calls_are_summed_over_a_groups_threads_per_mail(self):
        r = self.report(mails=4)
        self.assertEqual(r["syscallsPerMail"][".NET TP Worker"]["fsync"], 3.0)
        self.assertEqual(r["syscallsPerMail"][".NET Sockets"]["epoll_wait"], 0.5)


if __name__ == "__main__":
    unittest.main()
