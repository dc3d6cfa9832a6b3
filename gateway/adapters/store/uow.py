"""The unit of work one job sees: a locked transaction, the audit appender, the time."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Connection, select, update

from gateway.domain.risk import Reservation, RiskSnapshot

from . import orders_repo, positions_repo
from .audit import AuditAppender
from .tables import gateway_state


@dataclass(frozen=True, slots=True)
class HaltState:
    halted: bool
    reason: str | None = None
    actor: str | None = None
    since: datetime | None = None


def lock_state(conn: Connection) -> HaltState:
    """Lock the gateway's one state row. On SQLite BEGIN IMMEDIATE already holds the lock."""
    row = conn.execute(
        select(gateway_state).where(gateway_state.c.id == 1).with_for_update()
    ).first()
    if row is None:
        raise RuntimeError("gateway_state row missing: run `gateway db upgrade`")
    since = row.halt_since
    if since is not None and since.tzinfo is None:
        from datetime import UTC

        since = since.replace(tzinfo=UTC)
    return HaltState(bool(row.halted), row.halt_reason, row.halt_actor, since)


class UnitOfWork:
    def __init__(
        self,
        conn: Connection,
        audit: AuditAppender,
        now: datetime,
        halt: HaltState,
        prices: Mapping[str, Decimal],
    ) -> None:
        self.conn = conn
        self.audit = audit
        self.now = now
        self.halt = halt
        self.prices = prices
        self._snapshot: RiskSnapshot | None = None

    def snapshot(self) -> RiskSnapshot:
        """Positions plus every reserving order, as of this transaction (loaded once a batch)."""
        if self._snapshot is None:
            positions = {s: p.quantity for s, p in positions_repo.load_positions(self.conn).items()}
            self._snapshot = RiskSnapshot.build(
                positions, orders_repo.reservations(self.conn), self.prices
            )
        return self._snapshot

    def reserve(self, reservation: Reservation) -> None:
        if self._snapshot is not None:
            self._snapshot = self._snapshot.with_reservation(reservation)

    def invalidate(self) -> None:
        """Something other than a new reservation changed the risk picture: reload on demand."""
        self._snapshot = None

    def set_halt(self, halt: HaltState) -> None:
        self.conn.execute(
            update(gateway_state).where(gateway_state.c.id == 1).values(
                halted=halt.halted, halt_reason=halt.reason, halt_actor=halt.actor,
                halt_since=halt.since,
            )
        )
        self.halt = halt
