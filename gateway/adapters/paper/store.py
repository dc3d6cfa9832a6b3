"""The paper venue's own durable record, in one SQLite file.

The venue is a separate system from the gateway: its record of an order must survive a
gateway crash, so every mutating call commits before it answers. Amounts are stored as
decimal text, never as SQLite REAL.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from gateway.adapters.paper.book import PaperOrder
from gateway.domain.orders import OrderType, Side
from gateway.ports.exchange import VenueOrderStatus

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS balances (
    currency TEXT PRIMARY KEY, free TEXT NOT NULL, locked TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS orders (
    seq INTEGER PRIMARY KEY,
    client_order_id TEXT NOT NULL UNIQUE,
    symbol TEXT NOT NULL,
    side TEXT NOT NULL,
    type TEXT NOT NULL,
    amount TEXT NOT NULL,
    price TEXT,
    status TEXT NOT NULL,
    filled TEXT NOT NULL,
    cost TEXT NOT NULL,
    fee TEXT NOT NULL,
    reserved TEXT NOT NULL,
    created_at TEXT NOT NULL
);
"""
_COLUMNS = (
    "seq, client_order_id, symbol, side, type, amount, price, status, filled, cost, fee, "
    "reserved, created_at"
)


@dataclass(frozen=True, slots=True)
class VenueState:
    orders: list[PaperOrder]
    free: dict[str, Decimal]
    locked: dict[str, Decimal]
    last_step: int


class SqliteStore:
    def __init__(self, path: Path) -> None:
        # The event loop serialises every call, whichever thread it runs in.
        self._conn = sqlite3.connect(path, check_same_thread=False)
        self._conn.executescript(_SCHEMA)

    def load(self) -> VenueState | None:
        """The saved state, or None for a file this venue has never written."""
        row = self._conn.execute("SELECT value FROM meta WHERE key = 'last_step'").fetchone()
        if row is None:
            return None
        free: dict[str, Decimal] = {}
        locked: dict[str, Decimal] = {}
        for currency, f, lk in self._conn.execute("SELECT currency, free, locked FROM balances"):
            free[currency], locked[currency] = Decimal(f), Decimal(lk)
        rows = self._conn.execute(f"SELECT {_COLUMNS} FROM orders ORDER BY seq")
        orders = [_order(r) for r in rows]
        return VenueState(orders, free, locked, int(row[0]))

    def save(
        self,
        orders: Iterable[PaperOrder],
        free: dict[str, Decimal],
        locked: dict[str, Decimal],
        last_step: int,
    ) -> None:
        """Write the changed orders and all balances in one transaction."""
        with self._conn:
            # An upsert on seq, not INSERT OR REPLACE: a second row with a known client order
            # id must fail loudly, never silently replace the first.
            self._conn.executemany(
                f"INSERT INTO orders ({_COLUMNS}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(seq) DO UPDATE SET status = excluded.status, "
                "filled = excluded.filled, cost = excluded.cost, fee = excluded.fee, "
                "reserved = excluded.reserved",
                [_row(o) for o in orders],
            )
            self._conn.executemany(
                "INSERT OR REPLACE INTO balances (currency, free, locked) VALUES (?, ?, ?)",
                [(c, str(free[c]), str(locked.get(c, Decimal(0)))) for c in sorted(free)],
            )
            self._conn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('last_step', ?)",
                (str(last_step),),
            )

    def close(self) -> None:
        self._conn.close()


def _row(o: PaperOrder) -> tuple[object, ...]:
    return (
        o.seq,
        o.client_order_id,
        o.symbol,
        o.side.value,
        o.type.value,
        str(o.amount),
        None if o.price is None else str(o.price),
        o.status.value,
        str(o.filled),
        str(o.cost),
        str(o.fee),
        str(o.reserved),
        o.created_at.isoformat(),
    )


def _order(r: tuple[object, ...]) -> PaperOrder:
    seq, cid, symbol, side, type_, amount, price, status, filled, cost, fee, reserved, at = r
    return PaperOrder(
        seq=int(str(seq)),
        client_order_id=str(cid),
        symbol=str(symbol),
        side=Side(str(side)),
        type=OrderType(str(type_)),
        amount=Decimal(str(amount)),
        price=None if price is None else Decimal(str(price)),
        created_at=datetime.fromisoformat(str(at)),
        status=VenueOrderStatus(str(status)),
        filled=Decimal(str(filled)),
        cost=Decimal(str(cost)),
        fee=Decimal(str(fee)),
        reserved=Decimal(str(reserved)),
    )
