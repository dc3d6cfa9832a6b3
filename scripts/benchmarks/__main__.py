"""scripts/bench [NAME ...] [--record] [--duration S] [--self-check] | --list"""

from __future__ import annotations

import argparse
import os
import shlex
import signal
import sys
from pathlib import Path
from types import FrameType

from scripts.benchmarks import report
from scripts.benchmarks.harness import Context, HarnessError, Row, discover

ROOT = Path(__file__).resolve().parents[2]


def _interrupt(signum: int, frame: FrameType | None) -> None:
    # SIGTERM takes the same path as Ctrl-C, so finally blocks stop servers and wrk.
    raise KeyboardInterrupt


def parse_args(argv: list[str], names: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="scripts/bench", description=__doc__)
    p.add_argument("names", nargs="*", metavar="NAME", help=f"default all: {', '.join(names)}")
    p.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    p.add_argument("--record", action="store_true", help="append the table to docs/BENCHMARKS.md")
    p.add_argument("--duration", type=int, default=8, metavar="S", help="seconds per measured run")
    p.add_argument("--warmup", type=int, default=2, metavar="S", help="seconds of warm-up load")
    p.add_argument(
        "--self-check", action="store_true",
        help="run the baseline in the subject's place: proves the harness (ratios near 1.00)",
    )  # fmt: skip
    args = p.parse_args(argv)
    if unknown := [n for n in args.names if n not in names]:
        p.error(f"unknown benchmark {', '.join(unknown)}; known: {', '.join(names)}")
    if args.duration < 1 or args.warmup < 1:
        p.error("--duration and --warmup are whole seconds, at least 1")
    return args


def main(argv: list[str]) -> int:
    signal.signal(signal.SIGTERM, _interrupt)
    registry = discover()
    args = parse_args(argv, list(registry))
    if args.list:
        for bench in registry.values():
            print(f"{bench.name:12} {bench.summary}")
        return 0
    load_before = os.getloadavg()
    ctx = Context(ROOT, args.duration, args.warmup, args.self_check)
    rows: list[Row] = []
    failed: list[str] = []
    for name in args.names or list(registry):
        try:
            rows += registry[name].run(ctx)
        except HarnessError as exc:
            ctx.say(f"{name} FAILED: {exc}")
            failed.append(name)
    if rows:
        print(report.table(rows))
    if args.record and rows and not failed:
        command = shlex.join(["scripts/bench", *argv])
        report.record(ROOT / "docs" / "BENCHMARKS.md", ROOT, rows, command, load_before)
        ctx.say("recorded in docs/BENCHMARKS.md")
    elif args.record:
        ctx.say("not recorded: a benchmark failed")
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        print("bench: interrupted; servers stopped", file=sys.stderr)
        sys.exit(130)
