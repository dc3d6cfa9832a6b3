"""python -m tests.venue [--port N]: the local venue as its own process (benchmarks).

Prints `ready <url>` once listening; stops on SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import signal
import threading

from tests.venue.server import LocalVenue


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m tests.venue")
    p.add_argument("--port", type=int, default=0, help="default: a free port")
    args = p.parse_args()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with LocalVenue(port=args.port) as venue:
        print(f"ready {venue.url}", flush=True)
        stop.wait()
        print(f"orders {len(venue.book.orders)} creates {venue.creates()}", flush=True)


if __name__ == "__main__":
    main()
