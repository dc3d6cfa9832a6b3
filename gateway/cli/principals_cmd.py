"""`gateway producers ...` and `gateway operators ...`: identities and credentials.

These write straight to the database (they are the host admin's tools, like `db upgrade`);
every change is audited as `admin:cli:<os user>`. Credentials are printed once.
"""

from __future__ import annotations

import argparse
import getpass
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from gateway.domain.checks.producer_scope import ProducerScope
from gateway.domain.money import AmountError, parse_decimal

from . import scope_cmd
from .output import CliError, emit

MANAGE = {
    "suspend": "suspended", "reinstate": "active", "revoke": "revoked",
}


def register(sub: Any) -> None:
    for kind in ("producers", "operators"):
        group = sub.add_parser(kind, help=f"manage {kind}").add_subparsers(dest="sub",
                                                                         required=True)
        p = group.add_parser("add", help=f"register one of the {kind}; prints credentials once")
        p.add_argument("name")
        if kind == "producers":
            p.add_argument("--principal", required=True, help="the human who answers for it")
            p.add_argument("--symbols", nargs="+", metavar="SYMBOL",
                           help="symbols it may trade (default: every allowlisted symbol)")
            p.add_argument("--max-notional", help="its own cap per order, quote currency")
            p.add_argument("--rate", type=int, help="its own cap on proposals per minute")
            p.add_argument("--venues", nargs="+", metavar="VENUE",
                           help="venues it may use (default: every declared venue)")
            p.add_argument("--stop-loss-share", help="its own stop level, e.g. 0.03")
        else:
            p.add_argument("--role", required=True, choices=["trader", "risk", "admin"])
            p.add_argument("--principal", help="the person behind this operator, written as "
                           "in `producers add --principal` (default: NAME); with "
                           "bar_own_principal_approval they may not approve their own bots' "
                           "orders")
        p.add_argument("--jurisdiction", help="ISO 3166 code it trades or approves from, "
                                              "e.g. GB (venues: in limits.yaml list who each "
                                              "serves)")
        scope_cmd.add_expiry_flags(p)
        p.set_defaults(func=add, kind=kind)
        group.add_parser("list", help=f"list {kind}").set_defaults(func=list_, kind=kind)
        p = group.add_parser("show", help="one of them, with scope and status")
        p.add_argument("name")
        if kind == "producers":
            p.add_argument("--export", type=Path, metavar="FILE",
                           help="write its scope document, signed by the gateway's key")
        p.set_defaults(func=show, kind=kind)
        scope_cmd.register(group, kind, _run, _actor)
        for verb, status in MANAGE.items():
            p = group.add_parser(verb, help=f"{verb} (audited; suspending or revoking a producer "
                                            "withdraws its queued orders)")
            p.add_argument("name")
            p.add_argument("--reason", default=f"{verb} by the admin")
            p.set_defaults(func=set_status, kind=kind, status=status)
        p = group.add_parser("rotate-key", help="issue new credentials; the old stop working")
        p.add_argument("name")
        scope_cmd.add_expiry_flags(p)
        p.set_defaults(func=rotate_key, kind=kind)


def _actor() -> str:
    return f"admin:cli:{getpass.getuser()}"


def _run(job: Callable[[Any], Any]) -> Any:
    from gateway.adapters.store.engine import make_engine
    from gateway.adapters.store.migrate import ensure_current
    from gateway.adapters.store.writer import execute_batch
    from gateway.ports.clock import SystemClock

    from .output import settings

    engine = make_engine(settings().database_url)
    try:
        ensure_current(engine)
        [(result, error)] = execute_batch(engine, SystemClock(), {}, [job])
    finally:
        engine.dispose()
    if error is not None:
        raise CliError(str(error))
    return result


def scope_cap(raw: str) -> Decimal:
    try:
        cap = parse_decimal(raw)
    except AmountError as exc:
        raise CliError(f"--max-notional: {exc}") from exc
    if cap <= 0:
        raise CliError("--max-notional must be above zero")
    return cap


def _scope(args: argparse.Namespace) -> ProducerScope | None:
    if (args.symbols is None and args.max_notional is None and args.rate is None
            and args.venues is None and args.stop_loss_share is None):
        return None
    cap = scope_cap(args.max_notional) if args.max_notional is not None else None
    if args.rate is not None and args.rate <= 0:
        raise CliError("--rate must be at least 1 proposal per minute")
    symbols = venues = None
    if args.symbols is not None:
        symbols = frozenset(s for item in args.symbols for s in item.split(",") if s)
    if args.venues is not None:
        venues = frozenset(v for item in args.venues for v in item.split(",") if v)
    return ProducerScope(symbols, cap, args.rate, venues,
                         stop_loss_share=scope_cmd.share(args.stop_loss_share,
                                                         "--stop-loss-share"))


def add(args: argparse.Namespace) -> int:
    from gateway.services import principals

    producer = args.kind == "producers"
    role = principals.Role.PRODUCER if producer else principals.Role(args.role)
    person = args.principal or args.name
    scope = _scope(args) if producer else None
    where = scope_cmd.jurisdiction(args.jurisdiction)
    expires = scope_cmd.expiry(args)
    token = _run(lambda uow: principals.add(uow, args.name, role, person, _actor(), scope,
                                            where, expires))
    data: dict[str, Any] = {"name": args.name, "role": role.value, "principal": person,
                            "token": token, "jurisdiction": where,
                            "expires_at": expires.isoformat() if expires else None}
    human = [f"registered {args.name} ({role.value}, answers: {person}, jurisdiction: "
             f"{where or 'none'}, credential expires: {data['expires_at'] or 'never'})"]
    if producer:
        key_id, _, secret = token.partition(".")
        data.update(key_id=key_id, secret=secret, scope=principals.scope_view(scope))
        human += [f"scope: {principals.scope_view(scope) or 'global limits only'}",
                  f"credential (shown once, keep it secret; the SDK signs with it): {token}"]
    else:
        human.append(f"token (shown once, keep it secret): {token}")
    emit(args.json, data, "\n".join(human))
    return 0


def list_(args: argparse.Namespace) -> int:
    from gateway.services import principals

    def job(uow: Any) -> list[dict[str, Any]]:
        rows = principals.list_all(uow.conn)
        return [r for r in rows if (r["role"] == "producer") == (args.kind == "producers")]

    rows = _run(job)
    lines = [f"{r['name']:<20} {r['role']:<8} {r['status']:<10} {r['principal']:<16} "
             f"{r['scope'] or ''}" for r in rows]
    emit(args.json, {args.kind: rows}, "\n".join(lines) or f"no {args.kind}")
    return 0


def show(args: argparse.Namespace) -> int:
    from gateway.services import principals

    if getattr(args, "export", None) is not None:
        return scope_cmd.export(args, _run)

    def job(uow: Any) -> dict[str, Any]:
        principals.get(uow.conn, args.name)
        rows = principals.list_all(uow.conn)
        return next(r for r in rows if r["name"] == args.name)

    row = _run(job)
    emit(args.json, row, "\n".join(f"{k}: {v}" for k, v in row.items()))
    return 0


def set_status(args: argparse.Namespace) -> int:
    from gateway.services import principals

    withdrawn = _run(lambda uow: principals.set_status(uow, args.name, args.status, _actor(),
                                                       args.reason))
    emit(args.json, {"name": args.name, "status": args.status, "withdrawn": withdrawn},
         f"{args.name} is now {args.status}" + (
             f"; withdrew {len(withdrawn)} queued order(s)" if withdrawn else ""))
    return 0


def rotate_key(args: argparse.Namespace) -> int:
    from gateway.services import principals

    expires = scope_cmd.expiry(args)
    token = _run(lambda uow: principals.rotate_key(uow, args.name, _actor(), expires))
    data: dict[str, Any] = {"name": args.name, "token": token,
                            "expires_at": expires.isoformat() if expires else None}
    if args.kind == "producers":
        data["key_id"], _, data["secret"] = token.partition(".")
    emit(args.json, data, f"new credential for {args.name} (shown once): {token}")
    return 0
