"""Recent proposals, for throttles and the duplicate guard, kept in memory between batches.

Loaded from the orders table when another process (or a direct CLI write) has written since
this process's last batch, then extended by this process's own proposals: the counts stay
exact across processes without a query per proposal, and each lookup is O(1) amortised.
"""

from __future__ import annotations

from collections import deque
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Connection, select

from gateway.domain.orders import Side
from gateway.domain.risk import RecentOrder

from .tables import orders


class _Rolling:
    """Items in a rolling time window, globally and per producer."""

    def __init__(self, seconds: int) -> None:
        self.span = timedelta(seconds=seconds)
        self.all: deque[datetime] = deque()
        self.by: dict[str, deque[RecentOrder]] = {}

    def add(self, producer: str, order: RecentOrder) -> None:
        self.all.append(order.created_at)
        self.by.setdefault(producer, deque()).append(order)

    def evict(self, now: datetime, producer: str) -> None:
        cutoff = now - self.span
        while self.all and self.all[0] <= cutoff:
            self.all.popleft()
        mine = self.by.get(producer)
        while mine and mine[0].created_at <= cutoff:
            mine.popleft()


class ActivityLog:
    def __init__(self, throttle_s: int, duplicate_s: int) -> None:
        self.throttle = _Rolling(throttle_s)
        self.duplicate_span = timedelta(seconds=duplicate_s)
        # (producer, symbol, side, quantity) -> when such proposals arrived: a twin lookup
        # is a dict probe, whatever the producer's volume.
        self.twins: dict[tuple[str, str, Side, Decimal], deque[RecentOrder]] = {}
        self.horizon_s = max(throttle_s, duplicate_s)

    @classmethod
    def load(cls, conn: Connection, now: datetime, throttle_s: int,
             duplicate_s: int) -> ActivityLog:
        log = cls(throttle_s, duplicate_s)
        rows = conn.execute(
            select(orders.c.producer, orders.c.symbol, orders.c.side, orders.c.quantity,
                   orders.c.created_at, orders.c.idempotency_key)
            .where(orders.c.created_at > now - timedelta(seconds=log.horizon_s))
            .order_by(orders.c.created_at)
        )
        for r in rows:
            created = r.created_at if r.created_at.tzinfo else r.created_at.replace(tzinfo=UTC)
            log.add(r.producer, RecentOrder(r.symbol, Side(r.side), Decimal(r.quantity),
                                            created, r.idempotency_key))
        return log

    def fits(self, throttle_s: int, duplicate_s: int) -> bool:
        return (self.throttle.span.total_seconds(), self.duplicate_span.total_seconds()) == (
            throttle_s, duplicate_s)

    def add(self, producer: str, order: RecentOrder) -> None:
        self.throttle.add(producer, order)
        if self.duplicate_span:
            key = (producer, order.symbol, order.side, order.quantity.normalize())
            self.twins.setdefault(key, deque()).append(order)
            if len(self.twins) > 100_000:
                self._prune(order.created_at)

    def _prune(self, now: datetime) -> None:
        cutoff = now - self.duplicate_span
        self.twins = {k: q for k, q in self.twins.items() if q and q[-1].created_at > cutoff}

    def counts(self, now: datetime, producer: str) -> tuple[int, int]:
        """(all proposals, this producer's) within the throttle window."""
        self.throttle.evict(now, producer)
        return len(self.throttle.all), len(self.throttle.by.get(producer, ()))

    def recent_twins(self, now: datetime, producer: str, symbol: str, side: Side,
                     quantity: Decimal) -> tuple[RecentOrder, ...]:
        """This producer's proposals of the same symbol, side and quantity within the
        duplicate window (the only ones the duplicate guard compares against)."""
        q = self.twins.get((producer, symbol, side, quantity.normalize()))
        if not q:
            return ()
        cutoff = now - self.duplicate_span
        while q and q[0].created_at <= cutoff:
            q.popleft()
        return tuple(q)
