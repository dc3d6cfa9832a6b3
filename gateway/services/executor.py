"""The narrow execution layer: claims approved orders, sends them, follows them to the end.

Exactly once: the claim (-> sending) is durable before the venue call; a send whose outcome
is unknown is resolved by asking the venue for the client order id, never by resending.
Also here: reconciliation with the venue (at start and periodically), back-off on rate
limits, and the venue-unreachable stop (halt, then cancel open orders when it answers).
Claiming is in claiming.py, sending and resolving in sending.py (the executor's parts).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from gateway.adapters.store.writer import Writer
from gateway.domain.halts import HaltBook
from gateway.domain.limits import Limits
from gateway.domain.orders import Order, OrderState
from gateway.ports.exchange import (
    Exchange,
    OrderNotFound,
)

from . import approvals, execution, reconcile
from .claiming import Claiming
from .halt_cancel import Canceller
from .halt_watch import HaltWatch
from .holdings_check import HoldingsCheck
from .queries import open_venue_orders
from .tracker import Tracked, Tracker
from .venue_health import VenueHealth

T = TypeVar("T")
log = logging.getLogger(__name__)


class Executor(Claiming):
    def __init__(
        self,
        writer: Writer,
        exchange: Exchange,
        limits: Callable[[], tuple[Limits, str]],
        instance: str,
        reader: Callable[[], list[Order]] | None = None,
        poll_s: float = 0.2,
        unknown_grace_s: float = 15.0,
        *,
        settle_s: float = 0.0,
        venue_down_s: float = 60.0,
        reconcile_s: float = 30.0,
        reconcile_halt: bool = False,
        probe_s: float = 5.0,
        holdings: HoldingsCheck | None = None,
        stopped_reader: Callable[[HaltBook], list[Order]] | None = None,
        tracked_reader: Callable[[], list[Tracked]] | None = None,
    ) -> None:
        self.writer = writer
        self.exchange = exchange
        self.limits = limits
        self.instance = instance
        self._reader = reader
        self._stopped_reader = stopped_reader  # open orders a halt stops, read in SQL
        self.poll_s = poll_s
        self.unknown_grace_s = unknown_grace_s
        # A send that timed out may still reach the venue for a while (until its signed
        # timestamp expires): "not found" is trusted only this long after the claim.
        self.settle_s = settle_s
        self.reconcile_s = reconcile_s
        self.reconcile_halt = reconcile_halt
        self.health = VenueHealth(venue_down_s, probe_s)
        self._wake = asyncio.Event()
        self.halts = HaltWatch(writer, self.cancel_all_open, lambda: self.health.down)
        self.canceller = Canceller(exchange, self._ask, self._record_replies)
        # Following reads only the columns it needs when given a reader for them.
        self.tracker = Tracker(exchange, self._open_orders if tracked_reader is None else
                               lambda: asyncio.to_thread(tracked_reader), self._ask, self.record)
        self._inflight: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._reported: set[tuple[str, str, str]] = set()
        self.holdings = holdings
        self.mismatches: list[reconcile.Mismatch] = []  # as of the last reconciliation
        self._last_reconcile = time.monotonic()
        self._sending = False  # the send loop runs: this process may claim and send

    def halt_signal(self) -> None:
        """Thread-safe: a halt was set or lifted somewhere; withdraw and cancel at once."""
        self.halts.signal()

    async def react_to_halt(self) -> None:
        await self.halts.react()

    async def run(self) -> None:
        """Two loops: sending reacts to wake() at once; following (tracking, resolving,
        reconciling, probing) runs on its own beat, so a slow venue read never delays a
        send."""
        halts = asyncio.create_task(self.halts.run())
        await self.resolve_unknown(grace_s=self.unknown_grace_s)
        await self._guard(self.reconcile())
        sender = asyncio.create_task(self._loop(self._send_tick, self.poll_s, wakes=True))
        self._sending = True
        try:
            await self._loop(self._follow_tick, self.poll_s * 3, wakes=False)
        finally:
            self._sending = False
            for task in (sender, halts):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def _loop(self, tick: Callable[[], Awaitable[None]], every_s: float,
                    wakes: bool) -> None:
        while True:
            try:
                await tick()
            except Exception:
                log.exception("executor %s failed", tick.__name__)
            if wakes:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=every_s)
                self._wake.clear()
            else:
                await asyncio.sleep(every_s)

    async def step(self, track: bool = True) -> None:
        """One pass of both loops, for callers that drive the executor themselves."""
        await self._send_tick()
        if track:
            await self._follow_tick()

    async def _send_tick(self) -> None:
        if not self.health.backing_off and not self.health.down:
            await self._claim_and_send()

    async def _follow_tick(self) -> None:
        await self.writer.run(approvals.expire_due)
        if self.health.backing_off:
            return  # the venue asked us to slow down: no calls at all until then
        await self.track()
        await self.resolve_unknown(grace_s=self.unknown_grace_s)
        if self.health.needs_probe:
            await self._guard(self.exchange.fetch_balance())  # is the venue there?
        if self.health.needs_recovery:
            await self._recover()
        elif not self.health.down:
            # The safety net under halt_signal: a halt from anywhere (another process, the
            # CLI writing to the database on SQLite) is acted on within this beat.
            await self.react_to_halt()
        if time.monotonic() - self._last_reconcile >= self.reconcile_s:
            await self._guard(self.reconcile())

    async def track(self) -> None:
        """Follow open orders at the venue (tracker.py)."""
        await self.tracker.track(self._inflight)

    async def reconcile(self) -> int:
        """Compare our open orders, and what the account holds, with the venue's; audit each
        new mismatch. Returns the number of mismatches found (already-reported included)."""
        self._last_reconcile = time.monotonic()
        venue_open = await self._ask(self.exchange.fetch_open_orders())
        found, missing = reconcile.compare(await self._open_orders(), venue_open,
                                           set(self._inflight))
        for order in missing:
            assert order.client_order_id is not None
            try:
                vo = await self._ask(self.exchange.fetch_order(order.symbol,
                                                               order.client_order_id))
            except OrderNotFound:
                found.append(reconcile.missing_at_venue(order))
            else:
                await self.record(order.id, vo)  # it filled or was cancelled meanwhile
        held = None if self.holdings is None else await self.holdings.run(self._ask)
        if held is None:  # could not tell this round: what we knew still stands
            held = [m for m in self.mismatches if m.currency is not None]
        found += held
        keys = {m.key for m in found}
        new = [m for m in found if m.key not in self._reported]
        cleared = len(self._reported - keys)
        self._reported, self.mismatches = keys, found  # before the audit: the desk reads it
        if new or cleared:
            await self.writer.run(lambda uow: execution.record_mismatches(
                uow, new, self.reconcile_halt, cleared))
        return len(found)

    def reconcile_soon(self) -> None:
        self._last_reconcile = float("-inf")

    async def cancel_all_open(self, book: HaltBook | None = None) -> int:
        """Cancel every order the gateway has open at the venue (with `book`, those its
        halts stop); returns how many were cancelled. Orders whose send is unresolved are
        resolved first; what cannot be cancelled now is retried by later steps."""
        if book is None:
            open_ = await self._open_orders()
        elif self._stopped_reader is not None:
            open_ = await asyncio.to_thread(self._stopped_reader, book)
        else:
            open_ = [o for o in await self._open_orders()
                     if book.blocking(o.symbol, o.producer) is not None]
        if not open_:
            self.health.cancel_pending = False
            return 0
        # The usual grace: another live process's send may still be on its way.
        if any(o.state is OrderState.SENDING for o in open_):
            await self.resolve_unknown(grace_s=self.unknown_grace_s)
        ready = [o for o in open_
                 if o.id not in self._inflight and o.state is not OrderState.SENDING]
        cancelled, failures = await self.canceller.cancel(ready)
        self.health.cancel_pending = failures + len(open_) - len(ready) > 0
        return cancelled

    # -- venue health ----------------------------------------------------------------------

    async def _open_orders(self) -> list[Order]:
        return [] if self._reader is None else await asyncio.to_thread(self._reader)

    async def _recover(self) -> None:
        """Past the threshold: halt once; once the venue answers, cancel our open orders."""
        seconds = self.health.newly_down()
        if seconds is not None:
            error = self.health.last_error
            log.error("venue unreachable for %.0f s: halting and cancelling", seconds)
            threshold = self.health.down_after_s
            await self.writer.run(
                lambda uow: execution.venue_unreachable(uow, seconds, error, threshold))
        if self.health.reachable and self.health.cancel_pending:
            cancelled = await self.cancel_all_open()
            if not self.health.cancel_pending and self.health.down:
                self.health.down = False
                await self.writer.run(lambda uow: execution.venue_reachable(uow, cancelled))

__all__ = ["Executor", "open_venue_orders"]
