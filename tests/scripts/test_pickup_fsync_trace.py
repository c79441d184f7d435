"""Unit tests of scripts/pickup_fsync_trace.py (issue 17, target 2, session 17): pickup files followed per thread through
perf trace's lines, interrupted calls joined, and a small file's fsync counted beside a large file only while that file
was on its way to the disk. Run by scripts/test.sh (python3 -m unittest discover -s tests/scripts)."""
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
import pickup_fsync_trace  # noqa: E402

# Thread 11 writes a large file in chunks (early write-back) from 10 ms to 40 ms; thread 12 writes a small file whose fsync
# (20-25 ms) falls inside that window, thread 13 one whose fsync (50-53 ms) does not. perf breaks thread 12's pwrite64 in two.
TRACE = """\
    10.000 ( 0.500 ms): .NET TP Worker/11 openat(dfd: CWD, filename: 0x1, flags: CLOEXEC|CREAT|EXCL|WRONLY, mode: IRUGO|IWUGO) = 235
    10.600 ( 1.000 ms): .NET TP Worker/11 pwrite64(fd: 235, buf: 0x2, count: 1500000)                  = 1500000
    11.700 ( 0.100 ms): .NET TP Worker/11 sync_file_range(fd: 235, offset: 0, nbytes: 1500000, flags: WRITE) = 0
    12.000 ( 1.000 ms): .NET TP Worker/11 pwrite64(fd: 235</tmp/p/.x.tmp>, buf: 0x3, count: 1396646, pos: 1500000) = 1396646
    15.000 ( 1.000 ms): .NET TP Worker/12 openat(dfd: CWD, filename: 0x4, flags: CLOEXEC|CREAT|EXCL|WRONLY, mode: IRUGO|IWUGO) = 236
    16.100 (         ): .NET TP Worker/12 pwrite64(fd: 236, buf: 0x5, count: 77890)             ...
    16.100 ( 0.200 ms): .NET TP Worker/12  ... [continued]: pwrite64())                                         = 77890
    20.000 ( 5.000 ms): .NET TP Worker/12 fsync(fd: 236)                                                        = 0
    25.100 ( 0.020 ms): .NET TP Worker/12 close(fd: 236)                                                        = 0
    25.200 ( 0.050 ms): .NET TP Worker/12 rename(oldname: 0x6, newname: 0x7)                      = 0
    30.000 (10.000 ms): .NET TP Worker/11 fsync(fd: 235)                                                        = 0
    40.100 ( 0.060 ms): .NET TP Worker/11 rename(oldname: 0x8, newname: 0x9)                      = 0
    49.000 ( 0.900 ms): .NET TP Worker/13 openat(dfd: CWD, filename: 0xa, flags: CLOEXEC|CREAT|EXCL|WRONLY, mode: IRUGO|IWUGO) = 237
    49.950 ( 0.040 ms): .NET TP Worker/13 pwrite64(fd: 237, buf: 0xb, count: 77890)                  = 77890
    49.995 ( 0.001 ms): .NET TP Worker/13 pwrite64(fd: 99</tmp/l/ledger.db-wal>, buf: 0xc, count: 4096, pos: 0) = 4096
    50.000 ( 3.000 ms): .NET TP Worker/13 fsync(fd: 237)                                                        = 0
    53.100 ( 0.070 ms): .NET TP Worker/13 rename(oldname: 0xd, newname: 0xe)                      = 0
"""


class PickupFsyncTraceTests(unittest.TestCase):
    def setUp(self):
        self.files = pickup_fsync_trace.pickup_files(TRACE.splitlines())
        self.summary = pickup_fsync_trace.summarise(self.files)

    def test_each_file_is_followed_on_its_own_thread_with_its_sizes_joined_and_other_files_writes_left_out(self):
        self.assertEqual(sorted(f["size"] for f in self.files), [77890, 77890, 2896646])
        large = next(f for f in self.files if f["size"] == 2896646)
        self.assertAlmostEqual(large["write"], 2.1)  # two pwrite64 and one sync_file_range
        self.assertEqual(large["fsync"], 10.0)

    def test_a_small_fsync_counts_beside_a_large_file_only_inside_its_first_write_to_fsync_end(self):
        self.assertEqual(self.summary["smallFsyncBesideLarge"]["n"], 1)
        self.assertEqual(self.summary["smallFsyncBesideLarge"]["max"], 5.0)
        self.assertEqual(self.summary["smallFsyncAlone"]["n"], 1)
        self.assertEqual(self.summary["smallFsyncAlone"]["max"], 3.0)
        self.assertEqual(self.summary["small"]["fsync"]["n"], 2)
        self.assertEqual(self.summary["large"]["fsync"]["n"], 1)


if __name__ == "__main__":
    unittest.main()
