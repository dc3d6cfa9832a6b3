"""`gateway limits check | reload | explain`."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from gateway.domain.limits import Limits, LimitsError, parse_limits
from gateway.domain.money import fmt

from .api_client import Api
from .output import CliError, emit


def register(sub: Any) -> None:
    limits = sub.add_parser("limits", help="hard limits").add_subparsers(dest="sub",
                                                                        required=True)
    p = limits.add_parser("check", help="validate a limits file and summarise it")
    p.add_argument("file", type=Path)
    p.set_defaults(func=check)

    p = limits.add_parser("reload", help="put the server's limits file in force (risk, admin)")
    p.set_defaults(func=reload)

    p = limits.add_parser("explain", help="what an order would get now, and which rule decides")
    p.add_argument("--symbol", required=True)
    p.add_argument("--side", required=True, choices=["buy", "sell"])
    p.add_argument("--quantity", required=True)
    p.add_argument("--price", help="limit price (omit for a market order)")
    p.add_argument("--producer", help="evaluate as this producer (throttles, duplicates)")
    p.set_defaults(func=explain)


def _opt(value: object) -> str:
    return "-" if value is None else str(value)


def _trader_rules(limits: Limits) -> list[str]:
    if limits.venues is None:
        lines = ["  venues: none declared: only the connected venue, from any jurisdiction"]
    else:
        lines = [f"  venue {v}: from {r.served()}; symbols "
                 f"{', '.join(sorted(r.symbols)) if r.symbols is not None else 'all allowlisted'}"
                 for v, r in sorted(limits.venues.items())]
    lines.append(f"  equity {fmt(limits.account_equity)}; order ≤ "
                 f"{fmt(limits.max_order_equity_share)} and position ≤ "
                 f"{fmt(limits.max_position_equity_share)} of equity")
    sl = limits.stop_loss
    lines.append(f"  stop loss default {fmt(sl.share)} of entry / distance {fmt(sl.distance)}; "
                 f"exits {'SENT WITHOUT APPROVAL' if sl.send_without_approval else 'queued'}")
    return lines


def summary(limits: Limits) -> list[str]:
    t = limits.throttle
    lines = [
        f"  quote currency {limits.quote_currency}; approval ttl {limits.approval_ttl_seconds}s",
        f"  order types {', '.join(limits.order_types)}; sides {', '.join(limits.sides)}",
        f"  max order notional {fmt(limits.max_order_notional)}; price collar "
        f"{fmt(limits.price_collar_bps)} bps; prices older than {limits.max_price_age_seconds}s "
        "refuse everything",
        f"  gross exposure {fmt(limits.max_gross_exposure)}; net exposure "
        f"{fmt(limits.max_net_exposure)}",
        f"  open orders {_opt(limits.max_open_orders)} (per producer "
        f"{_opt(limits.max_open_orders_per_producer)})",
        f"  daily loss {fmt(limits.daily_loss_limit)}; drawdown {fmt(limits.max_drawdown)}; "
        f"session from {limits.session_start_utc} UTC",
        f"  throttle {_opt(t.max_proposals)} / {_opt(t.max_proposals_per_producer)} per "
        f"producer per {t.window_seconds}s; duplicates within "
        f"{limits.duplicate_window_seconds}s refused",
        f"  reduce-only: {'ALL SYMBOLS' if limits.reduce_only else 'off'}; dual approval above "
        f"{fmt(limits.dual_approval_notional)}",
        *_trader_rules(limits),
        f"  symbols ({len(limits.symbols)}):",
    ]
    for symbol, s in sorted(limits.symbols.items()):
        extra = [f"max position ±{fmt(s.max_position)}"]
        if s.max_position_notional:
            extra.append(f"(≤ {fmt(s.max_position_notional)} {limits.quote_currency})")
        if s.max_order_notional:
            extra.append(f"order ≤ {fmt(s.max_order_notional)}")
        if s.min_quantity or s.max_quantity:
            extra.append(f"qty {fmt(s.min_quantity)}..{fmt(s.max_quantity)}")
        if s.reduce_only:
            extra.append("REDUCE-ONLY")
        if s.trading_window:
            w = s.trading_window
            extra.append(f"trades {','.join(w.days)} {w.start}-{w.end} UTC")
        if s.stop_loss_share or s.stop_loss_distance:
            extra.append(f"stop {fmt(s.stop_loss_share)} of entry / {fmt(s.stop_loss_distance)}")
        lines.append(f"    {symbol:<12} " + "  ".join(extra))
    return lines


def check(args: argparse.Namespace) -> int:
    try:
        limits, version = parse_limits(args.file.read_text(encoding="utf-8"), str(args.file))
    except FileNotFoundError as exc:
        raise CliError(f"{args.file}: no such file") from exc
    except LimitsError as exc:
        if args.json:
            emit(True, {"valid": False, "problems": [
                {"key": k, "value": repr(v), "rule": r} for k, v, r in exc.problems]}, "")
            return 1
        raise CliError(str(exc)) from exc
    emit(args.json, {"valid": True, "version": version, "limits": limits.model_dump(mode="json")},
         "\n".join([f"{args.file}: valid (version {version})", *summary(limits)]))
    return 0


def reload(args: argparse.Namespace) -> int:
    data = Api(args.url, args.token).call("POST", "/v1/limits/reload")
    if not data["changed"]:
        emit(args.json, data, f"limits unchanged (version {data['version']})")
        return 0
    lines = [f"limits version {data['version']} in force"]
    lines += [f"  {k}: {v['before']} -> {v['after']}" for k, v in data["diff"].items()]
    failing = [r["order_id"] for r in data["reevaluated"] if not r["passed"]]
    lines.append(f"  {len(data['reevaluated'])} pending order(s) re-checked; "
                 f"{len(failing)} now fail: {' '.join(failing) or '-'}")
    emit(args.json, data, "\n".join(lines))
    return 0


def explain(args: argparse.Namespace) -> int:
    body = {"symbol": args.symbol, "side": args.side, "quantity": args.quantity,
            "type": "limit" if args.price else "market", "limit_price": args.price,
            "producer": args.producer}
    data = Api(args.url, args.token).call("POST", "/v1/limits/explain", body)
    deciding = ", ".join(data["deciding"])
    verdict = "WOULD PASS" if data["passed"] else f"WOULD BE REFUSED by {deciding}"
    lines = [f"{verdict} (limits {data['limits_version']})"]
    for c in data["checks"]:
        mark = "ok " if c["passed"] else "NO "
        lines.append(f"  {mark}{c['name']:<30} {_opt(c['observed']):>16} / {_opt(c['limit']):<16} "
                     f"{c['message']}")
    emit(args.json, data, "\n".join(lines))
    return 0 if data["passed"] else 1
