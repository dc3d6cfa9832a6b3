"""`gateway audit verify|anchor|show|export`: admin tools that read the database directly."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from .output import CliError, emit

EXIT_BROKEN = 3  # distinct from 1 (usage or database problem) so scripts can tell them apart


def register(sub: Any) -> None:
    group = sub.add_parser("audit", help="verify, anchor and read the audit trail").add_subparsers(
        dest="sub", required=True)
    p = group.add_parser("verify", help="walk the hash chain; exit 3 naming the first broken "
                         "link")
    p.add_argument("--anchor", action="append", default=[], metavar="SEQ:HASH",
                   help="a kept anchor (from `gateway audit anchor`); repeatable")
    p.add_argument("--anchor-file", type=Path, metavar="FILE",
                   help="a file of kept anchors, one SEQ:HASH per line")
    p.set_defaults(func=verify)
    group.add_parser("anchor", help="print the chain's head as SEQ:HASH, to keep elsewhere"
                     ).set_defaults(func=anchor)
    p = group.add_parser("show", help="one order's life, oldest first")
    p.add_argument("order_id")
    p.set_defaults(func=show)
    p = group.add_parser("export", help="records as JSON lines or CSV on stdout")
    p.add_argument("--since", help="ISO 8601 time, inclusive (no zone means UTC)")
    p.add_argument("--until", help="ISO 8601 time, exclusive")
    p.add_argument("--format", choices=["jsonl", "csv"], default="jsonl")
    p.add_argument("--output", "-o", type=Path, help="write to this file instead of stdout")
    p.set_defaults(func=export)


@contextmanager
def _engine() -> Iterator[Engine]:
    from gateway.adapters.store.engine import make_engine
    from gateway.adapters.store.migrate import SchemaOutOfDate, ensure_current

    from .output import settings

    url = settings().database_url
    parsed = make_url(url)
    if (parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:")
            and not Path(parsed.database).exists()):
        # Opening it would create an empty database, which would then "verify" as intact.
        raise CliError(f"no database at {parsed.database}: check GATEWAY_DATABASE_URL")
    engine = make_engine(url)
    try:
        try:
            ensure_current(engine, auto_create=False)
        except SchemaOutOfDate as exc:
            raise CliError(str(exc)) from exc
        yield engine
    finally:
        engine.dispose()


def _anchors(args: argparse.Namespace) -> list[Any]:
    from gateway.services.audit_verify import Anchor, AnchorError

    texts = list(args.anchor)
    if args.anchor_file is not None:
        try:
            texts += [t for t in args.anchor_file.read_text().split() if t]
        except OSError as exc:
            raise CliError(f"cannot read {args.anchor_file}: {exc.strerror}") from exc
    try:
        return [Anchor.parse(t) for t in texts]
    except AnchorError as exc:
        raise CliError(str(exc)) from exc


def verify(args: argparse.Namespace) -> int:
    from gateway.services.audit_verify import verify as walk

    anchors = _anchors(args)
    with _engine() as engine:
        report = walk(engine, anchors)
    data: dict[str, Any] = {"ok": report.ok, "records": report.records,
                            "verified_head": str(report.head), "anchors": len(anchors)}
    if report.broken is None:
        emit(args.json, data, f"audit chain intact: {report.records} records, head "
             f"{report.head}" + (f", {len(anchors)} anchors matched" if anchors else ""))
        return 0
    b = report.broken
    data["broken"] = {"seq": b.seq, "kind": b.kind, "message": b.message}
    emit(args.json, data, f"AUDIT CHAIN BROKEN at seq {b.seq} ({b.kind}): {b.message}\n"
         f"intact up to {report.head}; keep this database as evidence and restore from "
         "a backup that verifies")
    return EXIT_BROKEN


def anchor(args: argparse.Namespace) -> int:
    from gateway.services.audit_verify import head

    with _engine() as engine:
        a = head(engine)
    if a.seq == 0:
        raise CliError("the audit trail is empty: there is nothing to anchor yet")
    emit(args.json, {"seq": a.seq, "hash": a.hash, "anchor": str(a)}, str(a))
    return 0


def show(args: argparse.Namespace) -> int:
    from gateway.services.audit_story import order_records, render

    with _engine() as engine:
        rows = order_records(engine, args.order_id)
    if args.json:
        emit(True, {"order_id": args.order_id, "events": rows}, "")
    else:
        print(render(args.order_id, rows))
    return 0 if rows else 1


def _time(text: str | None) -> datetime | None:
    from gateway.services.audit_export import parse_time

    try:
        return None if text is None else parse_time(text)
    except ValueError as exc:
        raise CliError(str(exc)) from exc


def export(args: argparse.Namespace) -> int:
    from gateway.services.audit_export import AuditFilter
    from gateway.services.audit_export import export as chunks

    f = AuditFilter(since=_time(args.since), until=_time(args.until))
    with _engine() as engine:
        if args.output is None:
            sys.stdout.writelines(chunks(engine, f, args.format))
        else:
            with args.output.open("w", encoding="utf-8", newline="") as out:
                out.writelines(chunks(engine, f, args.format))
    return 0
