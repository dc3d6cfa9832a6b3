from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from .output import CliError

ALL = ("trading", "halt_cmd", "admin", "limits_cmd", "audit", "config_cmd", "stops_cmd")
# Commands that load only their own module: `gateway halt` must not spend a second importing
# the database layer and every limit check before it even asks the server.
FAST = {"halt": "halt_cmd", "resume": "halt_cmd", "status": "halt_cmd"}
VALUED = {"--url", "--token", "--config"}


def build_parser(modules: Sequence[str] = ALL) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gateway", description="Guardrail Gateway: bots propose, limits constrain, "
        "a human approves.")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--url", help="gateway URL (default: GATEWAY_URL or "
                        "http://127.0.0.1:8787)")
    parser.add_argument("--token", help="operator token (default: GATEWAY_TOKEN)")
    parser.add_argument("--config", type=Path, help="configuration file (default: "
                        "GATEWAY_CONFIG, else ./gateway.toml when there is one)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in modules:
        importlib.import_module(f"{__package__}.{name}").register(sub)
    return parser


def command_of(argv: Sequence[str]) -> str | None:
    """The command word, skipping the global options before it."""
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg in VALUED:
            skip = True
        elif not arg.startswith("-"):
            return arg
    return None


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    fast = FAST.get(command_of(argv) or "")
    parser = build_parser((fast,) if fast else ALL)
    args = parser.parse_args(argv)
    if args.config is not None:
        from gateway.config import CONFIG_ENV  # pydantic and more: only when asked for

        # Every command (and the processes it starts) reads the same file.
        os.environ[CONFIG_ENV] = str(args.config)
    try:
        result: int = args.func(args)
        return result
    except CliError as exc:
        print(f"gateway: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `gateway orders | head`: the reader left; nothing to report
        return 0
