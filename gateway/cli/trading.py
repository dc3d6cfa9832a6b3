"""Commands for people at the gateway: serve, orders, approve, deny, positions, desk, venue
rebaseline."""

from __future__ import annotations

import argparse
import signal
import sys
from typing import Any

from gateway.domain.money import fmt, read_decimal

from .api_client import Api
from .output import CliError, emit


def register(sub: Any) -> None:
    p = sub.add_parser("serve", help="run the API and the executor")
    p.add_argument("--host", help="listen address (default: server.host, 127.0.0.1)")
    p.add_argument("--port", type=int, help="listen port (default: server.port, 8787)")
    p.set_defaults(func=serve)

    p = sub.add_parser("orders", help="list orders")
    p.add_argument("--state", action="append", help="filter by state (repeatable)")
    p.add_argument("--limit", type=int, default=50)
    p.set_defaults(func=orders)

    p = sub.add_parser("approve", help="approve a pending order")
    p.add_argument("order_id")
    p.add_argument("--version", type=int, help="refuse if the order changed since this version")
    p.set_defaults(func=approve)

    p = sub.add_parser("deny", help="deny a pending order; the reason goes back to the bot")
    p.add_argument("order_id")
    p.add_argument("--reason", required=True)
    p.add_argument("--version", type=int, help="refuse if the order changed since this version")
    p.set_defaults(func=deny)

    sub.add_parser("positions", help="positions and PnL").set_defaults(func=positions)

    venue = sub.add_parser("venue", help="reconciliation with the venue").add_subparsers(
        dest="sub", required=True)
    p = venue.add_parser("rebaseline", help="accept the venue's holdings as they are now "
                         "(risk or admin; after a deposit, withdrawal or outside trade)")
    p.add_argument("--reason", required=True)
    p.set_defaults(func=rebaseline)

    sub.add_parser("desk", help="open the trader's approval desk").set_defaults(func=desk)


def serve(args: argparse.Namespace) -> int:
    import gc

    import uvicorn

    from gateway.api.app import create_app
    from gateway.bootstrap import build
    from gateway.logs import setup_logging

    from .output import settings as load

    settings = load()
    setup_logging(settings.log_level, settings.log_format)
    try:
        gateway = build(settings)
    except Exception as exc:
        raise CliError(f"cannot start: {exc}") from exc

    class Server(uvicorn.Server):
        def handle_exit(self, sig: int, frame: Any) -> None:
            # SIGTERM/SIGINT: refuse new proposals at once and fail /readyz; uvicorn then
            # stops listening, lets requests in flight finish, and the gateway parks sends.
            gateway.draining = True
            super().handle_exit(sig, frame)
            # uvicorn re-raises the signal after shutting down, which would hide our exit
            # status: a shutdown exits 0 when clean and 3 when sends are unresolved.
            captured = getattr(self, "_captured_signals", None)
            if isinstance(captured, list):
                captured[:] = [s for s in captured if s not in (signal.SIGTERM, signal.SIGINT)]

    # Event streams never end by themselves: bound the wait for them at shutdown.
    config = uvicorn.Config(create_app(gateway), host=args.host or settings.host,
                            port=args.port or settings.port, log_level="warning",
                            access_log=False, timeout_graceful_shutdown=3, log_config=None)
    # Everything built so far (ccxt, pydantic's and SQLAlchemy's machinery: ~100k objects)
    # lives as long as the process: full garbage collections need not walk it again (each
    # took ~70 ms under intake load, a pause every waiting proposal sat through). Young
    # collections come every 10,000 surviving objects instead of 700: a proposal's objects
    # mostly die young by reference counting, and collecting less often walks fewer of them
    # (GC time under intake load fell to about a third).
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)
    Server(config).run()
    if gateway.unresolved:
        print(f"gateway: stopped with {len(gateway.unresolved)} send(s) unresolved (outcome "
              "unknown); the next `gateway serve` resolves them with the venue: "
              + " ".join(gateway.unresolved), file=sys.stderr)
        return 3
    return 0


def rebaseline(args: argparse.Namespace) -> int:
    data = Api(args.url, args.token).call("POST", "/v1/venue/rebaseline",
                                          {"reason": args.reason})
    emit(args.json, data, f"the venue's holdings ({data['venue']}) will be the new baseline "
                          "at the next quiet reconciliation")
    return 0


def _order_line(o: dict[str, Any]) -> str:
    price = fmt(read_decimal(o["limit_price"])) if o["limit_price"] else "market"
    return (f"{o['id']}  {o['state']:<16} {o['producer']:<12} {o['side']:<4} "
            f"{o['quantity']:>12} {o['symbol']:<10} @ {price}")


def orders(args: argparse.Namespace) -> int:
    params: dict[str, Any] = {"limit": args.limit}
    if args.state:
        params["state"] = args.state
    data = Api(args.url, args.token).call("GET", "/v1/orders", params=params)
    lines = [_order_line(o) for o in data["orders"]] or ["no orders"]
    emit(args.json, data, "\n".join(lines))
    return 0


def approve(args: argparse.Namespace) -> int:
    data = Api(args.url, args.token).call("POST", f"/v1/orders/{args.order_id}/approve",
                                          {"version": args.version})
    emit(args.json, data, f"approved {data['id']} (now {data['state']})")
    return 0


def deny(args: argparse.Namespace) -> int:
    data = Api(args.url, args.token).call("POST", f"/v1/orders/{args.order_id}/deny",
                                          {"reason": args.reason, "version": args.version})
    emit(args.json, data, f"denied {data['id']}: {args.reason}")
    return 0


def positions(args: argparse.Namespace) -> int:
    data = Api(args.url, args.token).call("GET", "/v1/positions")
    def money(text: str | None, places: int = 2) -> str:
        return fmt(None if text is None else read_decimal(text), places)

    lines = [f"{p['symbol']:<10} qty {p['quantity']:>14}  avg {money(p['average_price']):>12}  "
             f"realized {money(p['realized_pnl']):>10}  "
             f"unrealized {money(p['unrealized_pnl']):>10}"
             for p in data["positions"]] or ["no positions"]
    lines.append(f"total realized {money(data['realized_pnl'])}  "
                 f"unrealized {money(data['unrealized_pnl'])}  (rounded for display)")
    emit(args.json, data, "\n".join(lines))
    return 0


def desk(args: argparse.Namespace) -> int:
    import os

    from gateway.settings import client_url
    from tui.app import run_desk

    token = args.token or os.environ.get("GATEWAY_TOKEN")
    if not token:
        raise CliError("the desk needs an operator token: --token or GATEWAY_TOKEN", 2)
    run_desk(client_url(args.url), token)
    return 0
