#!/usr/bin/env python3
"""Issue 17, session 20: an OTLP/HTTP receiver that only counts what it is sent (for scripts/bench-spans-ab.sh --otlp).

    python3 scripts/otlp_sink.py PORT COUNTS.json

Listens on 127.0.0.1:PORT, answers every POST (/v1/traces, /v1/metrics, /v1/logs) 200 with an empty protobuf body, as a
collector that accepted everything, and after each request rewrites COUNTS.json with the requests and body bytes per
path so far. It decodes nothing: the spans' count comes from the bench's --count-spans. Stop it with SIGTERM.
"""
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

counts = {}
lock = threading.Lock()


class Sink(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with lock:
            entry = counts.setdefault(self.path, {"requests": 0, "bytes": 0})
            entry["requests"] += 1
            entry["bytes"] += len(body)
            tmp = OUT + ".tmp"
            with open(tmp, "w") as f:
                json.dump(counts, f)
            os.replace(tmp, OUT)
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    OUT = sys.argv[2]
    with open(OUT, "w") as f:
        json.dump(counts, f)
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Sink).serve_forever()
