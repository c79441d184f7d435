#!/usr/bin/env bash
# Coverage-guided fuzzing of the parsers that read untrusted input, with SharpFuzz and afl-fuzz (AFL++).
#
#   scripts/fuzz.sh TARGET [--seconds N]     fuzz one target for N seconds (default 600)
#   scripts/fuzz.sh list                     the targets: mime, signed-mail, certificate, crl, protect-email, protect-mime-message
#   scripts/fuzz.sh TARGET --replay          re-run the saved crashes and hangs of TARGET without afl-fuzz
#
# What it does: publishes tests/SmimePipeline.Fuzzing to artifacts/fuzz/plain and a copy to artifacts/fuzz/bin, installs the SharpFuzz.CommandLine
# tool (2.3.0) into .tools/, instruments SmimePipeline.Cryptography, MimeKit and BouncyCastle in bin/, writes a
# seed corpus (real mails, certificates and CRLs from the demo PKI in artifacts/fuzz/pki), and runs afl-fuzz
# at nice 19 (the machine is shared; SMIME_FUZZ_NICE=N for another level). Findings: artifacts/fuzz/TARGET/findings/default/{crashes,hangs}; every
# crash is an input on which production code threw something other than its documented refusal. Turn each into
# a regression test (tests/SmimePipeline.Cryptography.Tests/FuzzFindingsTests.cs) before fixing it.
# Needs: afl-fuzz (Debian package afl++), dotnet. Not part of CI: fuzzing has no pass/fail time box.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${SMIME_FUZZ_DIR:-$REPO_ROOT/artifacts/fuzz}"
BIN="$OUT/bin"      # instrumented: only afl-fuzz can run it (it writes coverage to afl-fuzz's shared memory)
PLAIN="$OUT/plain"  # not instrumented: seeds, list and replay
TOOLS="$REPO_ROOT/.tools"
SHARPFUZZ_VERSION="2.3.0"
NICE="${SMIME_FUZZ_NICE:-19}"
[[ "$NICE" =~ ^[0-9]+$ ]] || { echo "fuzz: SMIME_FUZZ_NICE must be 0-19" >&2; exit 1; }
# The assemblies whose code parses untrusted input; instrumenting them gives afl-fuzz its coverage.
INSTRUMENT=(SmimePipeline.Cryptography.dll SmimePipeline.Messaging.dll MimeKit.dll BouncyCastle.Cryptography.dll)

usage() {
  echo "usage: scripts/fuzz.sh list | TARGET [--seconds N] | TARGET --replay" >&2
  exit 1
}

[[ $# -ge 1 ]] || usage
TARGET="$1"
shift
SECONDS_TO_RUN=600
REPLAY=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --seconds) [[ $# -ge 2 && "$2" =~ ^[0-9]+$ ]] || usage; SECONDS_TO_RUN="$2"; shift 2 ;;
    --replay) REPLAY=1; shift ;;
    *) usage ;;
  esac
done

publish() {
  echo "fuzz: publishing the harness to $PLAIN and $BIN"
  rm -rf "$BIN" "$PLAIN"
  dotnet publish "$REPO_ROOT/tests/SmimePipeline.Fuzzing/SmimePipeline.Fuzzing.csproj" -c Release -o "$PLAIN" --nologo -v quiet
  cp -r "$PLAIN" "$BIN"
  if [[ ! -x "$TOOLS/sharpfuzz" ]]; then
    dotnet tool install SharpFuzz.CommandLine --version "$SHARPFUZZ_VERSION" --tool-path "$TOOLS" >/dev/null
  fi
  for dll in "${INSTRUMENT[@]}"; do
    echo "fuzz: instrumenting $dll"
    # The tool targets .NET 8/9; roll forward onto the installed runtime.
    DOTNET_ROLL_FORWARD=Major "$TOOLS/sharpfuzz" "$BIN/$dll"
  done
  touch "$BIN/.instrumented"
}

# Publishing and instrumenting take minutes: done again only when a source the harness runs has changed.
ensure_published() {
  local marker="$BIN/.instrumented"
  if [[ -f "$marker" && -f "$PLAIN/smime-fuzz.dll" ]] \
    && [[ -z "$(find "$REPO_ROOT/src/SmimePipeline.Cryptography" "$REPO_ROOT/src/SmimePipeline.Contracts" "$REPO_ROOT/src/SmimePipeline.Messaging" "$REPO_ROOT/tests/SmimePipeline.Fuzzing" \
                 "$REPO_ROOT/tests/SmimePipeline.Testing/RandomSerialNumber.cs" "$REPO_ROOT/Directory.Packages.props" \( -name '*.cs' -o -name '*.csproj' -o -name '*.props' \) -newer "$marker" -print -quit)" ]]; then
    echo "fuzz: reusing the instrumented harness in $BIN"
    return
  fi
  publish
}

export SMIME_FUZZ_PKI="$OUT/pki"
export DOTNET_CLI_TELEMETRY_OPTOUT=1

if [[ "$TARGET" == "list" ]]; then
  ensure_published
  dotnet "$PLAIN/smime-fuzz.dll" list
  exit 0
fi

WORK="$OUT/$TARGET"
FINDINGS="$WORK/findings"

if [[ $REPLAY -eq 1 ]]; then
  ensure_published
  dirs=()
  for d in "$FINDINGS"/*/crashes "$FINDINGS"/*/hangs; do
    [[ -d "$d" ]] && [[ -n "$(ls -A "$d" | grep -v README || true)" ]] && dirs+=("$d")
  done
  if [[ ${#dirs[@]} -eq 0 ]]; then
    echo "fuzz: $TARGET has no saved crashes or hangs"
    exit 0
  fi
  exec dotnet "$PLAIN/smime-fuzz.dll" replay "$TARGET" "${dirs[@]}"
fi

command -v afl-fuzz >/dev/null || { echo "fuzz: afl-fuzz is missing (apt-get install afl++)" >&2; exit 1; }
ensure_published
mkdir -p "$WORK"
rm -rf "$WORK/seeds"
dotnet "$PLAIN/smime-fuzz.dll" seed "$TARGET" "$WORK/seeds"
echo "fuzz: $(ls "$WORK/seeds" | wc -l) seed(s) for $TARGET; running afl-fuzz for ${SECONDS_TO_RUN}s at nice $NICE"

# The target is 'dotnet', not an AFL-compiled binary; SharpFuzz speaks afl-fuzz's fork-server protocol.
export AFL_SKIP_BIN_CHECK=1
export AFL_NO_UI=1
export AFL_SKIP_CPUFREQ=1
export AFL_NO_AFFINITY=1
export AFL_AUTORESUME=1
export AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
export AFL_SKIP_CRASHES=1
nice -n "$NICE" afl-fuzz -i "$WORK/seeds" -o "$FINDINGS" -t 10000 -m none -V "$SECONDS_TO_RUN" \
  -- dotnet "$BIN/smime-fuzz.dll" run "$TARGET" > "$WORK/afl.log" 2>&1 || {
    echo "fuzz: afl-fuzz failed; the end of $WORK/afl.log:" >&2
    tail -n 30 "$WORK/afl.log" >&2
    exit 1
  }

stats="$FINDINGS/default/fuzzer_stats"
if [[ -f "$stats" ]]; then
  grep -E '^(run_time|execs_done|execs_per_sec|corpus_count|saved_crashes|saved_hangs|bitmap_cvg)' "$stats" | sed 's/^/fuzz: /'
fi
crashes=$(find "$FINDINGS/default/crashes" -type f -name 'id:*' 2>/dev/null | wc -l)
hangs=$(find "$FINDINGS/default/hangs" -type f -name 'id:*' 2>/dev/null | wc -l)
echo "fuzz: $TARGET: $crashes crash(es), $hangs hang(s) in $FINDINGS/default"
if [[ $crashes -gt 0 ]]; then
  echo "fuzz: replaying the crashes:"
  dotnet "$PLAIN/smime-fuzz.dll" replay "$TARGET" "$FINDINGS/default/crashes" || true
fi
