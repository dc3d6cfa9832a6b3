"""`python -m tui [--url URL] [--token TOKEN]`; GATEWAY_URL / GATEWAY_TOKEN are the defaults."""

from __future__ import annotations

import argparse
import os
import sys

from tui.app import DEFAULT_URL, run_desk


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tui", description="Guardrail approval desk")
    parser.add_argument(
        "--url",
        default=os.environ.get("GATEWAY_URL", DEFAULT_URL),
        help=f"gateway base URL (default: $GATEWAY_URL or {DEFAULT_URL})",
    )
    parser.add_argument(
        "--token",
        default=os.environ.get("GATEWAY_TOKEN"),
        help="operator token (default: $GATEWAY_TOKEN); prefer the variable, argv is visible",
    )
    args = parser.parse_args(argv)
    if not args.token:
        parser.error("an operator token is required: set GATEWAY_TOKEN or pass --token")
    run_desk(args.url, args.token)
    return 0


if __name__ == "__main__":
    sys.exit(main())
