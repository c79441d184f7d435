# Sourced, not run: a private RabbitMQ node (with scripts/test.sh's PostgreSQL and smtp-sink beside it) on free loopback
# ports, for the benchmark scripts (bench.sh, bench-in-process-ab.sh, bench-target2-at-rate.sh).
#
#   start_private_broker DIR NAME  runs `scripts/test.sh --services-only` (its exports in DIR/services.env, its log in
#                                  DIR/services.log), sources the exports (SMIME_TEST_*), and sets SERVICES_PID, RABBITMQ
#                                  (the node's URI) and BROKER_PID (its beam.smp); NAME prefixes the messages. Exits the
#                                  calling script when the services do not come up.
#   stop_private_broker            stops them (test.sh's own trap stops its servers); safe to call twice.

start_private_broker() {
  local dir="$1" name="$2" root waited=0
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  echo "[$name] starting a private RabbitMQ node with scripts/test.sh --services-only" >&2
  bash "$root/scripts/test.sh" --services-only >"$dir/services.env" 2>"$dir/services.log" &
  SERVICES_PID=$!
  until grep -q '^export SMIME_TEST_TOOLS_OK=' "$dir/services.env" 2>/dev/null; do
    if ! kill -0 "$SERVICES_PID" 2>/dev/null; then
      cat "$dir/services.log" >&2
      echo "$name: scripts/test.sh --services-only ended before the services were up" >&2; exit 1
    fi
    (( waited++ < 300 )) || { echo "$name: the private services did not come up in 300 s" >&2; exit 1; }
    sleep 1
  done
  # shellcheck disable=SC1091
  source "$dir/services.env"
  RABBITMQ="$SMIME_TEST_RABBITMQ_URI"
  # The node's beam.smp is the one started with our private epmd's port.
  BROKER_PID="$(pgrep -f -- "beam.smp .* -epmd_port $ERL_EPMD_PORT( |\$)" | head -n 1 || true)"
  [[ -n "$BROKER_PID" ]] || { echo "$name: cannot find the private node's beam.smp (epmd port $ERL_EPMD_PORT)" >&2; exit 1; }
  echo "[$name] private RabbitMQ $SMIME_TEST_RABBITMQ_NODE at $RABBITMQ, beam.smp pid $BROKER_PID" >&2
}

stop_private_broker() {
  if [[ -n "${SERVICES_PID:-}" ]]; then
    kill -TERM "$SERVICES_PID" 2>/dev/null || true
    wait "$SERVICES_PID" 2>/dev/null || true
    SERVICES_PID=""
  fi
}
