from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from gateway.config import CONFIG_ENV

from . import admin, audit, config_cmd, limits_cmd, stops_cmd, trading
from .output import CliError


def build_parser() -> argparse.ArgumentParser:
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
    trading.register(sub)
    admin.register(sub)
    limits_cmd.register(sub)
    audit.register(sub)
    config_cmd.register(sub)
    stops_cmd.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.config is not None:
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
