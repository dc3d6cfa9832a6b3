"""The narrow execution layer: claims approved orders, sends them, follows them to the end.

Exactly once: the claim (-> sending) is durable before the venue call; a send whose outcome
is unknown is resolved by asking the venue for the client order id, never by resending.
Also here: reconciliation with the venue (at start and periodically), back-off on rate
limits, and the venue-unreachable stop (halt, then cancel open orders when it answers).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from datetime import UTC, datetime
from typing import TypeVar

from gateway.adapters.store.uow import UnitOfWork
from gateway.adapters.store.writer import Writer, prompt
from gateway.domain.halts import HaltBook
from gateway.domain.limits import Limits
from gateway.domain.orders import Order, OrderState
from gateway.ports.exchange import (
    DuplicateOrder,
    Exchange,
    OrderNotFound,
    OrderRefused,
    RateLimited,
    VenueError,
    VenueOrder,
    VenueOrderRequest,
)

from . import approvals, execution, reconcile
from .halt_cancel import Canceller
from .halt_watch import HaltWatch
from .holdings_check import HoldingsCheck
from .queries import open_venue_orders
from .venue_health import UNREACHABLE, VenueHealth

T = TypeVar("T")
log = logging.getLogger(__name__)


class Executor:
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
        self._inflight: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._reported: set[tuple[str, str, str]] = set()
        self.holdings = holdings
        self.mismatches: list[reconcile.Mismatch] = []  # as of the last reconciliation
        self._last_reconcile = time.monotonic()
        self._sending = False  # the send loop runs: this process may claim and send

    def wake(self) -> None:
        self._wake.set()

    @property
    def ready(self) -> bool:
        """Whether this process may claim orders and send them now."""
        return self._sending and not self.health.backing_off and not self.health.down

    async def decide_and_send(self, order_id: str,
                              decide: Callable[[UnitOfWork, str | None], Order]) -> Order:
        """Run a decision job (an approval) that may claim the order for this process in its
        own transaction (`decide` gets this instance's name, or None when it must not
        claim); if it did, send at once. The claim is durable before the venue call, as in
        the claim loop, but one commit serves the decision and the claim, and no wake-up
        lies between them and the send."""
        loop = asyncio.get_running_loop()
        sender = self.instance if self.ready else None
        if sender is not None:
            self._inflight.add(order_id)  # from before the commit: never taken for stale
        def job(uow: UnitOfWork) -> Order:
            return decide(uow, sender)

        # With a claim, the batch's follow-ups (metrics, log lines) wait: the send goes first.
        done = self.writer.submit(prompt(job) if sender is not None else job)
        # Called by the writer thread as soon as the commit is durable, before it runs its
        # commit listeners. A callback, not code after the await, also because a caller that
        # goes away (a client that disconnects) must not strand a committed claim unsent.
        done.add_done_callback(lambda f: self._post(loop, order_id, f))
        return await asyncio.shield(asyncio.wrap_future(done))

    def _post(self, loop: asyncio.AbstractEventLoop, order_id: str,
              future: Future[Order]) -> None:
        try:
            loop.call_soon_threadsafe(self._after_decision, order_id, future)
        except RuntimeError:  # the loop closed (shutdown): a claim left is resolved at start
            log.warning("decision on %s settled after its event loop closed", order_id)

    def _after_decision(self, order_id: str, future: Future[Order]) -> None:
        ok = not future.cancelled() and future.exception() is None
        claimed = ok and order_id in self._inflight and (
            future.result().state is OrderState.SENDING)
        if claimed and self._sending:
            self._dispatch(future.result())
            return
        # Not claimed: the claim loop takes it. Claimed as this process stops: like a send
        # parked at shutdown, the next start asks the venue for it.
        self._inflight.discard(order_id)
        self.wake()

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

    async def _claim_and_send(self) -> None:
        # The limits in force are read inside the claiming transaction, under the lock: a
        # reload by another process a moment earlier is already binding.
        claimed = await self.writer.run(
            lambda uow: execution.claim(uow, *uow.limits(), self.instance)
        )
        for order in claimed:
            self._dispatch(order)

    def _dispatch(self, order: Order) -> None:
        self._inflight.add(order.id)
        task = asyncio.create_task(self.send(order))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Wait for sends in flight (tests and graceful shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def abandon(self) -> None:
        """Shutdown past its grace: cancel the sends still in flight. Their orders stay
        `sending`; the next start asks the venue by client order id, never resends blindly."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def send(self, order: Order) -> None:
        assert order.client_order_id is not None
        request = VenueOrderRequest(order.client_order_id, order.symbol, order.side, order.type,
                                    order.quantity, order.limit_price)
        try:
            venue_order = await self.exchange.create_order(request)
        except DuplicateOrder:
            await self.resolve(order)  # the venue has it already: adopt what it says
        except OrderRefused as exc:
            reason = f"refused by the venue: {exc}"
            await self.writer.run(lambda uow: execution.mark_failed(uow, order.id, reason))
        except VenueError as exc:
            # Timeout, 5xx, dropped reply, rate limit: the venue may hold the order. Ask it.
            log.warning("send of %s has unknown outcome: %s", order.id, exc)
            self.health.noted(exc)
            if not isinstance(exc, RateLimited):
                await self.resolve(order)
            # else: asked after the back-off, by the follow loop (it is ours, not in flight)
        else:
            self.health.noted(None)
            await self.record(order.id, venue_order)
        finally:
            self._inflight.discard(order.id)

    async def _record_replies(self, replies: list[tuple[str, VenueOrder]]) -> None:
        await self.writer.run(lambda uow: execution.record_replies(uow, replies))

    async def record(self, order_id: str, venue_order: VenueOrder) -> None:
        await self.writer.run(lambda uow: execution.record_venue_state(uow, order_id, venue_order))

    async def resolve(self, order: Order) -> None:
        """Settle a `sending` order by asking the venue for its client order id."""
        if self.health.backing_off:
            return  # a rate limit came meanwhile (another call's): asked after the back-off
        assert order.client_order_id is not None
        try:
            venue_order = await self._ask(
                self.exchange.fetch_order(order.symbol, order.client_order_id))
        except OrderNotFound:
            age = (datetime.now(UTC) - order.updated_at).total_seconds()
            if age < self.settle_s:
                return  # a late send could still land: ask again on a later tick
            await self.writer.run(lambda uow: execution.release_unsent(
                uow, order.id, "the venue has no such order; will re-check and resend"))
        except VenueError as exc:
            log.warning("cannot resolve %s yet: %s", order.id, exc)  # stays `sending`
        else:
            await self.record(order.id, venue_order)

    async def resolve_unknown(self, grace_s: float) -> None:
        inflight = frozenset(self._inflight)
        stale = await self.writer.run(
            lambda uow: execution.stale_sending(uow, self.instance, grace_s, inflight)
        )
        for order in stale:
            if order.id not in self._inflight:
                await self.resolve(order)

    async def track(self) -> None:
        """Follow open orders with one open-orders call; look up only those that left it
        (filled or cancelled), so the venue sees O(1) calls per tick, not one per order."""
        ours = [o for o in await self._open_orders()
                if o.id not in self._inflight and o.state is not OrderState.SENDING]
        if not ours:
            return
        try:
            listed = {vo.client_order_id: vo
                      for vo in await self._ask(self.exchange.fetch_open_orders())}
        except VenueError as exc:
            log.warning("cannot track open orders: %s", exc)  # noted; next tick again
            return
        for order in ours:
            assert order.client_order_id is not None
            venue_order = listed.get(order.client_order_id)
            if venue_order is None:
                try:
                    venue_order = await self._ask(
                        self.exchange.fetch_order(order.symbol, order.client_order_id))
                except (RateLimited, *UNREACHABLE):
                    return
                except VenueError as exc:
                    log.warning("cannot track %s: %s", order.id, exc)
                    continue
            if (venue_order.filled != order.filled_quantity
                    or venue_order.status.value != "open"):
                await self.record(order.id, venue_order)

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

    async def _ask(self, call: Awaitable[T]) -> T:
        """A venue read whose failure or success tells us whether the venue is there."""
        try:
            result = await call
        except VenueError as exc:
            self.health.noted(exc)
            raise
        self.health.noted(None)
        return result

    async def _guard(self, call: Awaitable[object]) -> None:
        with contextlib.suppress(VenueError):
            await self._ask(call)

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
