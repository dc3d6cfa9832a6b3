"""Claiming approved orders for this process: in the approving transaction itself (send on
approval), or by the claim loop. The claim (-> sending) is durable before the venue call.
Part of the executor (executor.py)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import Future

from gateway.adapters.store.uow import UnitOfWork
from gateway.adapters.store.writer import prompt
from gateway.domain.orders import Order, OrderState

from . import execution
from .sending import Sending

log = logging.getLogger("gateway.services.executor")  # one name for the executor's lines


class Claiming(Sending):
    """The executor's claims; the state is the executor's own."""

    _wake: asyncio.Event
    _sending: bool  # the send loop runs: this process may claim and send

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
