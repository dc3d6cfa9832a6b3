"""`gateway halt`, `gateway resume`, `gateway status`: the risk officer's commands.

`halt` goes through the API and falls back to writing straight to the database when the
server is down or hung (`status` reads from there likewise; both hedge through hedge.py).
`halt` returns once the halt has committed and the sends claimed before it have settled
(bounded by --wait), so from then on the venue receives no new order.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from gateway.domain.halts import HaltScope
from gateway.domain.money import fmt, read_decimal

from . import quick_http
from .hedge import BothFailed, hedged
from .output import CliError, emit

CONFIRM_WORD = "flatten"
# How long the API may take before the halt is also written straight to the database. Under
# a full proposal load the API answers a halt in tens of ms (p99 110-150 ms,
# docs/BENCHMARKS.md); a hung server never answers, and waiting out the API timeout would
# take seconds. Writing both ways costs nothing: a halt already in force is not recorded again.
HEDGE_S = 0.15
# The same for `gateway status`, which only reads: a server that takes longer than this is
# hung or saturated, and the database answers in well under a second either way.
STATUS_HEDGE_S = 0.5


def register(sub: Any) -> None:
    p = sub.add_parser("halt", help="stop trading now: all of it, a symbol or a producer "
                       "(works with the API server down)")
    p.add_argument("--reason", required=True)
    _scope_args(p)
    p.add_argument("--flatten", action="store_true",
                   help="then close positions with reduce-only orders (risk or admin; asks "
                        "for a second confirmation)")
    p.add_argument("--yes", action="store_true",
                   help="confirm --flatten without a prompt (for scripts)")
    p.add_argument("--wait", type=float, default=10.0, metavar="S",
                   help="wait this long at most for sends already in flight (default 10)")
    p.add_argument("--api-timeout", type=float, default=2.0, metavar="S",
                   help="give up on the API server after this long (default 2); from "
                        f"{HEDGE_S} s on the halt is also written straight to the database")
    p.set_defaults(func=halt)

    p = sub.add_parser("resume", help="lift a halt (risk or admin)")
    p.add_argument("--reason", required=True)
    _scope_args(p)
    p.set_defaults(func=resume)

    p = sub.add_parser("status", help="halts, order counts, what is open at the venue "
                       "(from the database when the API server is down or hung)")
    p.add_argument("--api-timeout", type=float, default=5.0, metavar="S",
                   help="give up on the API server after this long (default 5); from "
                        f"{STATUS_HEDGE_S} s on the database is also read")
    p.set_defaults(func=status)


def _scope_args(p: argparse.ArgumentParser) -> None:
    group = p.add_mutually_exclusive_group()
    group.add_argument("--symbol", help="only this symbol, e.g. BTC/USDT")
    group.add_argument("--producer", help="only this producer")


def _body(args: argparse.Namespace) -> dict[str, Any]:
    body = {"reason": args.reason, "symbol": args.symbol, "producer": args.producer}
    return {k: v for k, v in body.items() if v is not None}


def _scope(args: argparse.Namespace) -> tuple[HaltScope, str]:
    if args.symbol:
        return HaltScope.SYMBOL, args.symbol
    if args.producer:
        return HaltScope.PRODUCER, args.producer
    return HaltScope.GLOBAL, ""


def halt(args: argparse.Namespace) -> int:
    if args.flatten and args.producer:
        raise CliError("--flatten closes positions, which are kept per symbol, not per "
                       "producer: halt the producer without --flatten", 2)
    data, via = _halt_now(args)
    left = _settle(args, via, int(data.get("sends_in_flight") or 0), args.wait)
    scope = "" if data["scope"] == "global" else f" ({data['scope']} {data['target']})"
    lines = [f"HALTED{scope} by {data['actor']}: {data['reason']} (written via {via})"]
    if left:
        lines.append(f"{left} send(s) claimed before the halt are still unanswered; they "
                     "are cancelled if they reach the venue")
    if data.get("hung_sessions_ended"):
        pids = ", ".join(str(p) for p in data["hung_sessions_ended"])
        lines.append(f"ended database session(s) {pids}: hung inside a transaction, they "
                     "held the lock the halt needed; restart the gateway process(es) they "
                     "belonged to")
    emit(args.json, {**data, "via": via, "sends_unsettled": left}, "\n".join(lines))
    if args.flatten:
        return _flatten(args, _api(args))
    return 0


def _halt_now(args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    """Ask the API server; if it has not answered within HEDGE_S (hung, or saturated), also
    write the halt straight to the database, and take whichever commits first. Both may
    commit: a second halt record is harmless, a late halt is not."""

    def api() -> dict[str, Any]:
        return dict(quick_http.post(args.url, args.token, "/v1/halt", _body(args),
                                    timeout=args.api_timeout))

    def database() -> dict[str, Any]:
        from .direct import halt_direct  # SQLAlchemy: only when the API is slow or down

        return halt_direct(args.token, args.reason, *_scope(args))

    # A CliError from the server is a 4xx: it answered and refused.
    try:
        return hedged(api, database, HEDGE_S, refused=lambda e: isinstance(e, CliError))
    except BothFailed as both:
        db = both.database
        raise CliError(f"halt NOT written: the API server did not answer ({both.api}) and "
                       f"the database write failed "
                       f"({db.args[0] if isinstance(db, CliError) else db})") from None


def _api(args: argparse.Namespace) -> Any:
    from .api_client import Api  # httpx: only past the first, urgent request

    return Api(args.url, args.token)


def _settle(args: argparse.Namespace, via: str, in_flight: int, timeout_s: float) -> int:
    """Wait (bounded) for sends claimed before the halt to be answered by the venue."""
    if not in_flight:
        return 0
    if via == "database":
        from .direct import settle_direct

        return settle_direct(timeout_s)
    import httpx

    api = _api(args)
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            data = api.call("GET", "/v1/status")
        except (httpx.TransportError, CliError):
            return in_flight
        in_flight = sum(o["sending"] for o in data.get("open_at_venue", []))
        if not in_flight or time.monotonic() >= deadline:
            return int(in_flight)
        time.sleep(0.05)


def _flatten(args: argparse.Namespace, api: Any) -> int:
    body = {"reason": args.reason, "symbol": args.symbol}
    body = {k: v for k, v in body.items() if v is not None}
    if not args.yes and not sys.stdin.isatty():
        raise CliError("the halt is in force, but --flatten was not done: it needs a second "
                       "confirmation at a terminal, or --yes from a script", 2)
    import httpx

    try:
        plan = api.call("POST", "/v1/flatten", {**body, "dry_run": True})
    except (httpx.TransportError, CliError) as exc:
        raise CliError(f"the halt is in force, but flatten needs the API server (prices and "
                       f"the venue): {exc}; run `gateway halt --flatten` again once it "
                       "answers") from exc
    print(_plan_text(plan))
    if not plan["planned"]:
        return 0
    if not args.yes:
        answer = input(f"Send these reduce-only orders despite the halt? Type "
                       f"'{CONFIRM_WORD}' to confirm: ")
        if answer.strip().lower() != CONFIRM_WORD:
            raise CliError("flatten not confirmed; nothing sent (the halt stays)", 2)
    done = api.call("POST", "/v1/flatten", body)
    emit(args.json, done, f"flatten: {len(done['orders'])} order(s) approved for sending"
         + _left_text(done))
    return 0


def _plan_text(plan: dict[str, Any]) -> str:
    legs = [f"  {x['side']:<4} {x['quantity']:>14} {x['symbol']:<10} @ "
            f"{fmt(read_decimal(x['limit_price']))}" for x in plan["planned"]]
    head = "flatten would send:" if legs else "flatten: nothing to send"
    return "\n".join([head, *legs]) + _left_text(plan)


def _left_text(data: dict[str, Any]) -> str:
    return "".join(f"\n  left open: {x['quantity']} {x['symbol']}: {x['why']}"
                   for x in data.get("left", []))


def resume(args: argparse.Namespace) -> int:
    data = _api(args).call("POST", "/v1/resume", _body(args))
    what = "trading" if data["scope"] == "global" else f"{data['scope']} {data['target']}"
    withdrawn = f" ({data['withdrawn']} held-back order(s) withdrawn)" if data.get(
        "withdrawn") else ""
    emit(args.json, data, f"{what} resumed{withdrawn}")
    return 0


def _halt_line(h: dict[str, Any]) -> str:
    rule = f" [rule {h['rule']}]" if h.get("rule") else ""
    what = "ALL TRADING" if h.get("scope", "global") == "global" else (
        f"{h['scope']} {h['target']}")
    return f"HALTED {what} since {h['since']} by {h['actor']}{rule}: {h['reason']}"


def status(args: argparse.Namespace) -> int:
    """From the API server; when it does not answer within STATUS_HEDGE_S (down, hung or
    saturated), from the database, as `halt` does: the risk officer must see the halt in
    force, or that there is none. The output says which it came from (`via`)."""
    from .api_client import Api, Unreachable  # httpx: status is not the urgent command

    api = Api(args.url, args.token, timeout=args.api_timeout)

    def database() -> dict[str, Any]:
        from .direct import status_direct  # SQLAlchemy: only when the API is slow or down

        return status_direct(args.token)

    try:
        # An answer with an error (4xx, 5xx) is the server's word: it is not bypassed.
        data, via = hedged(lambda: dict(api.call("GET", "/v1/status")), database,
                           STATUS_HEDGE_S, refused=lambda e: isinstance(e, CliError)
                           and not isinstance(e, Unreachable))
    except BothFailed as both:
        raise CliError(f"{both.api}; reading the database instead failed too: "
                       f"{both.database}") from None
    data = {**data, "via": via}
    if via == "database":
        lines = [f"(read from the database: no answer from {api.url} within "
                 f"{STATUS_HEDGE_S} s; differences with the venue and pending cancels are "
                 "known only to a running process)"]
    else:
        lines = [f"(from the API server at {api.url})"]
    halts = [data["halt"], *data.get("halts", [])]
    lines += [_halt_line(h) for h in halts if h["halted"]] or ["trading (no halt in force)"]
    counts = ", ".join(f"{k}={v}" for k, v in sorted(data["orders_by_state"].items())) or "none"
    lines.append(f"venue: {data['venue']}  limits: {data['limits_version']}")
    lines.append(f"orders: {counts}")
    at_venue = data.get("open_at_venue", [])
    if at_venue:
        lines.append("open at the venue: " + ", ".join(
            f"{o['symbol']} {o['submitted'] + o['partially_filled']}"
            + (f" (+{o['sending']} sending)" if o["sending"] else "") for o in at_venue))
    else:
        lines.append("open at the venue: nothing")
    stopped = data.get("stopped_symbols") or []
    if stopped:
        lines.append(f"reduce-only at their stop level: {', '.join(stopped)}")
    lines += [f"MISMATCH with the venue ({m['kind']}): {m['detail']}"
              for m in data.get("venue_mismatches") or []]
    if data.get("cancels_pending"):
        lines.append("cancels pending: the venue has not confirmed every cancel yet")
    emit(args.json, data, "\n".join(lines))
    return 0
