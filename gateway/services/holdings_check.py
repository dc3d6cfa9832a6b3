"""Holdings reconciliation: does the venue hold what the gateway's own books say it should?

Expected holdings are a baseline (recorded the first time the books are quiet, persisted,
audited as `venue.baseline`) plus the net of every fill the gateway recorded since. The
comparison itself is pure (reconcile.compare_holdings); here are the reads around it, in
an order that proves no fill of ours was in flight while the venue was asked:

1. our books, in one locked transaction: open orders, baseline, new fills, audit head;
2. the venue's holdings;
3. the venue's open orders: exactly ours, with exactly the fills we had (reconcile.settled);
4. our books again: nothing claimed for sending and no fill recorded since 1.

Anything else and this round is skipped (the next one asks again): a mismatch is only ever
a difference that trading in flight cannot explain.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from gateway.adapters.store import holdings_repo, orders_repo
from gateway.adapters.store.uow import UnitOfWork
from gateway.adapters.store.writer import Writer
from gateway.domain.holdings import Baseline, Fill, NetFlows
from gateway.domain.markets import Market
from gateway.domain.orders import VENUE_STATES, Order
from gateway.ports.exchange import Exchange

from . import reconcile
from .reconcile import Mismatch

T = TypeVar("T")
Ask = Callable[[Awaitable[Any]], Awaitable[Any]]
EXECUTOR = "system:executor"


@dataclass(frozen=True, slots=True)
class Books:
    open_orders: list[Order]
    baseline: Baseline | None
    fills_from: int      # the fills below are those with a greater id
    fills: list[Fill]
    last_fill_id: int
    head_seq: int
    markets: Mapping[str, Market]


def read_books(uow: UnitOfWork, venue: str,
               hint: tuple[datetime, int] | None = None) -> Books:
    """Step 1. `hint` (a baseline's recorded_at, a fill id): fills up to that id are known
    to the caller for that baseline; only later ones are read."""
    conn = uow.conn
    baseline = holdings_repo.load_baseline(conn, venue)
    start = 0
    if baseline is not None:
        start = baseline.fills_after
        if hint is not None and hint[0] == baseline.recorded_at:
            start = max(start, hint[1])
    new = holdings_repo.fills_after(conn, start) if baseline is not None else []
    return Books(orders_repo.orders_in_states(conn, VENUE_STATES), baseline, start, new,
                 holdings_repo.last_fill_id(conn), uow.audit.head.seq, uow.market.markets)


def record_baseline(uow: UnitOfWork, venue: str, held: Mapping[str, Decimal],
                    books: Books) -> Baseline | None:
    """Steps 4 and the write: the venue's holdings become the baseline, unless our books
    moved since step 1 (None: try again later) or another process recorded one first."""
    existing = holdings_repo.load_baseline(uow.conn, venue)
    if existing is not None:
        return existing
    if holdings_repo.venue_activity_since(uow.conn, books.head_seq):
        return None
    baseline = Baseline(venue, dict(held), books.last_fill_id, uow.now)
    holdings_repo.save_baseline(uow.conn, baseline)
    uow.audit.append(uow.now, "venue.baseline", EXECUTOR, payload={
        "venue": venue, "holdings": dict(sorted(held.items())),
        "fills_after": books.last_fill_id})
    return baseline


def reset_baseline(uow: UnitOfWork, venue: str, actor: str, reason: str) -> Baseline | None:
    """An operator accepts the venue's holdings as they are (after a deposit, a withdrawal
    or a trade outside the gateway): the baseline is dropped and recorded afresh at the next
    quiet reconciliation. Returns the baseline dropped."""
    old = holdings_repo.load_baseline(uow.conn, venue)
    holdings_repo.delete_baseline(uow.conn, venue)
    uow.audit.append(uow.now, "venue.baseline_reset", actor, reason=reason, payload={
        "venue": venue, "previous": None if old is None else dict(sorted(old.amounts.items())),
        "previous_recorded_at": None if old is None else old.recorded_at.isoformat()})
    return old


class HoldingsCheck:
    """Runs the comparison for one venue; keeps the running net of fills between rounds so
    each round reads only the fills recorded since the last."""

    def __init__(self, writer: Writer, exchange: Exchange) -> None:
        self.writer = writer
        self.exchange = exchange
        self._flows: NetFlows | None = None
        self._flows_for: datetime | None = None  # the baseline they belong to

    async def run(self, ask: Ask) -> list[Mismatch] | None:
        """The holdings mismatches now, or None when this round could not tell (books not
        quiet, or the baseline just recorded). `ask` makes a venue call and notes its
        outcome for the venue's health."""
        venue = self.exchange.name
        hint = None
        if self._flows is not None and self._flows_for is not None:
            hint = (self._flows_for, self._flows.last_fill_id)
        books = await self.writer.run(lambda uow: read_books(uow, venue, hint))
        held: dict[str, Decimal] = await ask(self.exchange.fetch_holdings())
        listed = await ask(self.exchange.fetch_open_orders())
        if not reconcile.settled(books.open_orders, listed):
            return None
        if books.baseline is None:
            baseline = await self.writer.run(lambda uow: record_baseline(uow, venue, held, books))
            # Ours, just recorded from these very holdings: nothing differs. Else: not quiet,
            # or another process was first; the next round compares.
            return [] if baseline is not None and baseline.amounts == held else None
        if await self.writer.run(
                lambda uow: holdings_repo.venue_activity_since(uow.conn, books.head_seq)):
            return None
        flows = self._advance(books.baseline, books)
        if flows is None:
            return None
        return reconcile.compare_holdings(books.baseline, flows, held, books.markets)

    def _advance(self, baseline: Baseline, books: Books) -> NetFlows | None:
        """The running net with this round's new fills; None if they do not follow on."""
        known = self._flows if self._flows_for == baseline.recorded_at else None
        if known is None:
            known = NetFlows(last_fill_id=baseline.fills_after)
        if known.last_fill_id != books.fills_from:
            self._flows = self._flows_for = None  # start over from the baseline next round
            return None
        self._flows = known.plus(books.fills, books.markets)
        self._flows_for = baseline.recorded_at
        return self._flows
