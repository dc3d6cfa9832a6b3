"""Scopes and credentials beyond registration: `producers set-scope | show --export | verify`,
`operators set-scope`, expiry flags, and `gateway stops` (the stop-loss switches)."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from gateway.domain.money import AmountError, parse_decimal
from gateway.domain.venue_limits import canonical_jurisdiction

from .output import CliError, emit, settings


def add_expiry_flags(p: argparse.ArgumentParser) -> None:
    group = p.add_mutually_exclusive_group()
    group.add_argument("--expires-in", type=int, metavar="DAYS",
                       help="the credential stops working after this many days")
    group.add_argument("--expires-at", metavar="DATE",
                       help="the credential stops working at this UTC date or time "
                            "(2027-01-31 or 2027-01-31T12:00)")


def expiry(args: argparse.Namespace, now: datetime | None = None) -> datetime | None:
    now = now or datetime.now(UTC)
    if getattr(args, "expires_in", None) is not None:
        if args.expires_in <= 0:
            raise CliError("--expires-in must be at least 1 day")
        return now + timedelta(days=args.expires_in)
    raw = getattr(args, "expires_at", None)
    if raw is None:
        return None
    try:
        when = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise CliError(f"--expires-at {raw!r}: write a date such as 2027-01-31 or "
                       "2027-01-31T12:00 (UTC)") from exc
    when = when if when.tzinfo else when.replace(tzinfo=UTC)
    if when <= now:
        raise CliError(f"--expires-at {raw} is in the past: give a future date")
    return when


def jurisdiction(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return canonical_jurisdiction(value.strip().upper())
    except ValueError as exc:
        raise CliError(f"--jurisdiction: {exc}") from exc


def share(value: str | None, flag: str) -> Any:
    if value is None:
        return None
    try:
        parsed = parse_decimal(value)
    except AmountError as exc:
        raise CliError(f"{flag}: {exc}") from exc
    if not 0 < parsed < 1:
        raise CliError(f"{flag} must be between 0 and 1 (e.g. 0.05 for 5%)")
    return parsed


def register(group: Any, kind: str, run: Any, actor: Any) -> None:
    """Subcommands added to `gateway producers` / `gateway operators`."""
    p = group.add_parser("set-scope", help="change its scope (audited with a diff; the scope "
                                           "version moves on)")
    p.add_argument("name")
    p.add_argument("--jurisdiction", help="ISO 3166 code it trades or approves from, e.g. GB")
    if kind == "producers":
        p.add_argument("--venues", nargs="+", metavar="VENUE", help="venues it may use")
        p.add_argument("--all-venues", action="store_true", help="every declared venue")
        p.add_argument("--symbols", nargs="+", metavar="SYMBOL")
        p.add_argument("--all-symbols", action="store_true", help="every allowlisted symbol")
        p.add_argument("--max-notional")
        p.add_argument("--rate", type=int)
        p.add_argument("--stop-loss-share", help="its own stop level, e.g. 0.03")
    p.add_argument("--reason", default="scope changed by the admin")
    p.set_defaults(func=lambda a: set_scope(a, run, actor), kind=kind)
    if kind == "producers":
        p = group.add_parser("verify", help="check a scope document's signature (exit 1 if it "
                                            "does not verify)")
        p.add_argument("file", type=Path)
        p.add_argument("--public-key", help="trusted key (base64); default: this gateway's")
        p.set_defaults(func=verify)


def _changes(args: argparse.Namespace) -> dict[str, Any]:
    from .principals_cmd import scope_cap

    out: dict[str, Any] = {}
    if args.jurisdiction is not None:
        out["jurisdiction"] = jurisdiction(args.jurisdiction)
    if args.kind != "producers":
        return out
    if args.venues is not None or args.all_venues:
        out["venues"] = None if args.all_venues else frozenset(
            v for item in args.venues for v in item.split(",") if v)
    if args.symbols is not None or args.all_symbols:
        out["symbols"] = None if args.all_symbols else frozenset(
            s for item in args.symbols for s in item.split(",") if s)
    if args.max_notional is not None:
        out["max_notional"] = scope_cap(args.max_notional)
    if args.rate is not None:
        if args.rate <= 0:
            raise CliError("--rate must be at least 1 proposal per minute")
        out["rate_per_minute"] = args.rate
    if args.stop_loss_share is not None:
        out["stop_loss_share"] = share(args.stop_loss_share, "--stop-loss-share")
    return out


def set_scope(args: argparse.Namespace, run: Any, actor: Any) -> int:
    from gateway.services import scopes

    changes = _changes(args)
    if not changes:
        raise CliError("nothing to change: give at least one of the flags (see --help)")
    result = run(lambda uow: scopes.set_scope(uow, args.name, actor(), changes, args.reason))
    lines = [f"{args.name}: scope version {result['scope_version']}"]
    lines += [f"  {k}: {v['before']} -> {v['after']}" for k, v in result["diff"].items()]
    emit(args.json, result, "\n".join(lines))
    return 0


def export(args: argparse.Namespace, run: Any) -> int:
    from gateway.services import scope_docs

    from .signing import limits_in_force, signing_key

    def job(uow: Any) -> dict[str, Any]:
        limits, version = limits_in_force(uow.conn)
        return scope_docs.build(uow.conn, args.name, limits, version, uow.now)

    signed = scope_docs.sign(run(job), signing_key(settings()))
    args.export.write_text(json.dumps(signed, indent=2, sort_keys=True) + "\n")
    doc = signed["document"]
    emit(args.json, signed, f"wrote {args.export}: scope document of {args.name}, version "
                            f"{doc['scope_version']}, signed by {signed['signature']['key_id']}")
    return 0


def verify(args: argparse.Namespace) -> int:
    from gateway.sdk.scope import ScopeDocumentInvalid, verify_scope

    from .signing import signing_key

    try:
        signed = json.loads(args.file.read_text())
    except (OSError, ValueError) as exc:
        raise CliError(f"{args.file}: cannot read a JSON document: {exc}") from exc
    key = args.public_key or signing_key(settings(), create=False).public_b64(create=False)
    try:
        doc = verify_scope(signed, key)
    except ScopeDocumentInvalid as exc:
        raise CliError(f"{args.file} does NOT verify: {exc}") from exc
    emit(args.json, {"valid": True, "document": doc},
         f"{args.file} verifies: producer {doc['producer']} (answers: {doc['principal']}), "
         f"scope version {doc['scope_version']}, issued {doc['issued_at']}")
    return 0
