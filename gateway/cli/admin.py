"""Commands for the gateway's host: limits, producers, operators, database."""

from __future__ import annotations

import argparse
from typing import Any

from . import principals_cmd
from .output import emit


def register(sub: Any) -> None:

    principals_cmd.register(sub)  # producers and operators

    db = sub.add_parser("db", help="database schema").add_subparsers(dest="sub", required=True)
    db.add_parser("upgrade", help="apply migrations").set_defaults(func=db_upgrade)


def db_upgrade(args: argparse.Namespace) -> int:
    from gateway.adapters.store.engine import make_engine
    from gateway.adapters.store.migrate import current_revision, upgrade

    from .output import settings

    engine = make_engine(settings().database_url)
    try:
        before = current_revision(engine)
        upgrade(engine)
        after = current_revision(engine)
    finally:
        engine.dispose()
    emit(args.json, {"from": before, "to": after}, f"database at revision {after} "
                                                    f"(was {before or 'empty'})")
    return 0
