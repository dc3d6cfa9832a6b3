"""Stop guards: symbols switched to reduce-only by the stop watch, until an operator clears
them. Every write runs inside the writer's transaction, beside its audit record."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from .tables import stop_guards


@dataclass(frozen=True, slots=True)
class StopGuard:
    symbol: str
    since: datetime
    actor: str
    reason: str
    figures: dict[str, Any]
    last_exit_at: datetime | None


def _utc(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def load(conn: Connection) -> dict[str, StopGuard]:
    return {r.symbol: StopGuard(r.symbol, _utc(r.since) or r.since, r.actor, r.reason,
                                json.loads(r.figures), _utc(r.last_exit_at))
            for r in conn.execute(select(stop_guards))}


def stopped_symbols(conn: Connection) -> frozenset[str]:
    return frozenset(conn.execute(select(stop_guards.c.symbol)).scalars())


def add(conn: Connection, symbol: str, now: datetime, actor: str, reason: str,
        figures: dict[str, Any]) -> None:
    conn.execute(insert(stop_guards).values(symbol=symbol, since=now, actor=actor, reason=reason,
                                            figures=json.dumps(figures, default=str)))


def exit_raised(conn: Connection, symbol: str, now: datetime) -> None:
    conn.execute(update(stop_guards).where(stop_guards.c.symbol == symbol).values(
        last_exit_at=now))


def remove(conn: Connection, symbol: str) -> bool:
    return bool(conn.execute(delete(stop_guards).where(stop_guards.c.symbol == symbol)).rowcount)
