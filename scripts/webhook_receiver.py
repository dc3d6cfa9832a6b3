#!/usr/bin/env python3
"""An example webhook receiver: verifies each delivery's signature and prints it.

    GATEWAY_WEBHOOK_SECRET=... python3 scripts/webhook_receiver.py --port 9100

Standard library only, so it runs wherever notifications are wanted. Each delivery is
printed as one JSON line: {"id", "event", "verified", "body"}. A delivery whose signature
does not verify gets 401 and is printed with "verified": false. `--fail-first N` answers
500 to the first N deliveries (to watch the gateway retry). Repeats of a delivery id (the
gateway delivers at least once) are answered 200 and printed with "repeat": true.

Signature: X-GW-Webhook-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret,
"<t>." + body)>; deliveries whose t is more than 5 minutes from this clock are refused.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import hmac
import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def verify(secret: str, header: str, body: bytes, now: float, tolerance_s: float = 300) -> bool:
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance_s:
        return False
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body,
                        hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts.get("v1", ""))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9100)
    parser.add_argument("--fail-first", type=int, default=0,
                        help="answer 500 to this many deliveries first")
    args = parser.parse_args()
    secret = os.environ.get("GATEWAY_WEBHOOK_SECRET", "")
    if not secret:
        print("webhook_receiver: set GATEWAY_WEBHOOK_SECRET", file=sys.stderr)
        return 2
    state = {"failures_left": args.fail_first, "seen": set()}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            ok = verify(secret, self.headers.get("X-GW-Webhook-Signature", ""), body,
                        time.time())
            delivery = self.headers.get("X-GW-Webhook-Id", "")
            if ok and state["failures_left"] > 0:
                state["failures_left"] -= 1
                status = 500
            else:
                status = 200 if ok else 401
            line = {"id": delivery, "event": self.headers.get("X-GW-Webhook-Event"),
                    "verified": ok, "status": status,
                    "repeat": status == 200 and delivery in state["seen"]}
            if status == 200:
                state["seen"].add(delivery)
                line["body"] = json.loads(body)
            print(json.dumps(line), flush=True)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_: object) -> None:  # the JSON lines are the log
            pass

    server = ThreadingHTTPServer((args.host, args.port), Handler)
    print(json.dumps({"listening": f"http://{args.host}:{server.server_port}"}), flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
