"""The one place that wires adapters to services. Tests build the gateway through it too."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from dataclasses import dataclass, field

from sqlalchemy import Engine

from gateway.adapters.store.engine import make_engine
from gateway.adapters.store.migrate import ensure_current
from gateway.adapters.store.writer import Writer
from gateway.ports.clock import Clock, SystemClock
from gateway.ports.exchange import Exchange
from gateway.services import queries
from gateway.services.executor import Executor
from gateway.services.limits_holder import LimitsHolder
from gateway.services.market_data import PriceBook, refresh, run_feed
from gateway.services.principals import Authenticator
from gateway.settings import Settings

log = logging.getLogger(__name__)


def make_exchange(settings: Settings, clock: Clock) -> Exchange:
    if settings.venue == "paper":
        from gateway.adapters.paper import PaperExchange

        return PaperExchange(clock=clock, seed=settings.paper_seed,
                             state_path=settings.paper_state)
    raise ValueError(f"unknown venue {settings.venue!r}: use `paper`")


@dataclass
class Gateway:
    settings: Settings
    engine: Engine
    clock: Clock
    writer: Writer
    limits: LimitsHolder
    prices: PriceBook
    exchange: Exchange
    executor: Executor
    auth: Authenticator
    instance: str
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    async def start(self, run_executor: bool = True) -> None:
        self.writer.start()
        limits, _ = self.limits.current()
        await self.exchange.load_markets()
        await refresh(self.prices, self.exchange, limits.symbols)
        self._tasks.append(asyncio.create_task(run_feed(self.prices, self.exchange,
                                                        list(limits.symbols))))
        if run_executor:
            self._tasks.append(asyncio.create_task(self.executor.run()))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        await self.executor.drain()
        self.writer.stop()
        await self.exchange.close()
        self.engine.dispose()


def build(
    settings: Settings | None = None,
    *,
    exchange: Exchange | None = None,
    clock: Clock | None = None,
    poll_s: float = 0.2,
) -> Gateway:
    settings = settings or Settings()
    clock = clock or SystemClock()
    engine = make_engine(settings.database_url)
    ensure_current(engine)
    limits = LimitsHolder(settings.limits_path)
    prices = PriceBook()
    writer = Writer(engine, clock, prices.prices)
    exchange = exchange or make_exchange(settings, clock)
    instance = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    executor = Executor(writer, exchange, limits.current, instance,
                        reader=lambda: queries.open_venue_orders(engine), poll_s=poll_s,
                        unknown_grace_s=settings.unknown_grace_s)
    return Gateway(settings, engine, clock, writer, limits, prices, exchange, executor,
                   Authenticator(engine), instance)
