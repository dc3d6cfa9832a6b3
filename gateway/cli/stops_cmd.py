"""`gateway stops`: symbols switched to reduce-only at their stop level, and clearing them."""

from __future__ import annotations

import argparse
from typing import Any

from .api_client import Api
from .output import emit


def register(sub: Any) -> None:
    group = sub.add_parser("stops", help="symbols reduce-only after reaching their stop level")
    inner = group.add_subparsers(dest="sub")
    group.set_defaults(func=list_)
    p = inner.add_parser("clear", help="lift a symbol's reduce-only switch (risk or admin)")
    p.add_argument("symbol")
    p.add_argument("--reason", required=True)
    p.set_defaults(func=clear)


def _lines(data: dict[str, Any]) -> str:
    lines = []
    for s in data["stops"]:
        f = s["figures"]
        lines.append(f"{s['symbol']:<12} since {s['since']}  {s['reason']}  position "
                     f"{f.get('position')} entry {f.get('entry_price')} at "
                     f"{f.get('reference_price')}")
    return "\n".join(lines) or "no symbol is stopped"


def list_(args: argparse.Namespace) -> int:
    data = Api(args.url, args.token).call("GET", "/v1/stops")
    emit(args.json, data, _lines(data))
    return 0


def clear(args: argparse.Namespace) -> int:
    data = Api(args.url, args.token).call("POST", "/v1/stops/clear",
                                          {"symbol": args.symbol, "reason": args.reason})
    emit(args.json, data, f"{args.symbol} cleared\n{_lines(data)}")
    return 0
