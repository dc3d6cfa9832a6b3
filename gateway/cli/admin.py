"""Commands for the gateway's host: limits, producers, operators, database."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from gateway.domain.limits import LimitsError, parse_limits
from gateway.domain.money import fmt

from .output import CliError, emit


def register(sub: Any) -> None:
    limits = sub.add_parser("limits", help="limits files").add_subparsers(dest="sub",
                                                                         required=True)
    p = limits.add_parser("check", help="validate a limits file and summarise it")
    p.add_argument("file", type=Path)
    p.set_defaults(func=limits_check)

    for kind in ("producers", "operators"):
        group = sub.add_parser(kind, help=f"manage {kind}").add_subparsers(dest="sub",
                                                                         required=True)
        p = group.add_parser("add", help=f"register one of the {kind}; prints its token once")
        p.add_argument("name")
        if kind == "producers":
            p.add_argument("--principal", required=True, help="the human who answers for it")
        else:
            p.add_argument("--role", required=True, choices=["trader", "risk", "admin"])
        p.set_defaults(func=add_principal, kind=kind)

    db = sub.add_parser("db", help="database schema").add_subparsers(dest="sub", required=True)
    db.add_parser("upgrade", help="apply migrations").set_defaults(func=db_upgrade)


def limits_check(args: argparse.Namespace) -> int:
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
    lines = [f"{args.file}: valid (version {version})",
             f"  quote currency: {limits.quote_currency}",
             f"  approval ttl: {limits.approval_ttl_seconds}s",
             f"  max order notional: {fmt(limits.max_order_notional)}",
             f"  symbols ({len(limits.symbols)}):"]
    for symbol, s in sorted(limits.symbols.items()):
        cap = fmt(s.max_order_notional) if s.max_order_notional else "global"
        lines.append(f"    {symbol:<12} max position ±{fmt(s.max_position)}  "
                     f"max notional {cap}")
    emit(args.json, {"valid": True, "version": version,
                     "limits": limits.model_dump(mode="json")}, "\n".join(lines))
    return 0


def add_principal(args: argparse.Namespace) -> int:
    from gateway.adapters.store.engine import make_engine
    from gateway.adapters.store.migrate import ensure_current
    from gateway.adapters.store.writer import execute_batch
    from gateway.ports.clock import SystemClock
    from gateway.services import principals
    from gateway.settings import Settings

    role = principals.Role.PRODUCER if args.kind == "producers" else principals.Role(args.role)
    person = args.principal if args.kind == "producers" else args.name
    engine = make_engine(Settings().database_url)
    try:
        ensure_current(engine)
        [(token, error)] = execute_batch(engine, SystemClock(), {}, [
            lambda uow: principals.add(uow, args.name, role, person, "admin:cli")])
    finally:
        engine.dispose()
    if error is not None:
        raise CliError(str(error))
    emit(args.json, {"name": args.name, "role": role.value, "principal": person,
                     "token": token},
         f"registered {args.name} ({role.value}, answers: {person})\n"
         f"token (shown once, keep it secret): {token}")
    return 0


def db_upgrade(args: argparse.Namespace) -> int:
    from gateway.adapters.store.engine import make_engine
    from gateway.adapters.store.migrate import current_revision, upgrade
    from gateway.settings import Settings

    engine = make_engine(Settings().database_url)
    try:
        before = current_revision(engine)
        upgrade(engine)
        after = current_revision(engine)
    finally:
        engine.dispose()
    emit(args.json, {"from": before, "to": after}, f"database at revision {after} "
                                                    f"(was {before or 'empty'})")
    return 0
