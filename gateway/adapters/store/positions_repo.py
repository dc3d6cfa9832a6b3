from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, insert, select, update

from gateway.domain.positions import Position

from .tables import positions


def load_positions(conn: Connection) -> dict[str, Position]:
    return {
        r.symbol: Position(r.symbol, r.quantity, r.average_price, r.realized_pnl)
        for r in conn.execute(select(positions))
    }


def save_position(conn: Connection, pos: Position, now: datetime) -> None:
    values = {"quantity": pos.quantity, "average_price": pos.average_price,
              "realized_pnl": pos.realized_pnl, "updated_at": now}
    result = conn.execute(update(positions).where(positions.c.symbol == pos.symbol).values(values))
    if result.rowcount == 0:
        conn.execute(insert(positions).values(symbol=pos.symbol, **values))
