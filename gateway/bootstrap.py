"""The one place that wires adapters to services. Tests build the gateway through it too."""

from __future__ import annotations

import asyncio
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
from gateway.services import limits_admin, queries, risk_monitor
from gateway.services.authn import Authenticator
from gateway.services.executor import Executor
from gateway.services.limits_holder import LimitsHolder
from gateway.services.market_data import PriceBook, refresh, run_feed
from gateway.settings import Settings

log = logging.getLogger(__name__)
STOP_TIMEOUT_S = 10.0


def make_exchange(settings: Settings, clock: Clock) -> Exchange:
    if settings.venue == "paper":
        from gateway.adapters.paper import PaperExchange

        return PaperExchange(clock=clock, seed=settings.paper_seed,
                             state_path=settings.paper_state)
    if settings.venue == "ccxt":
        from gateway.adapters.ccxt import CcxtConfig, CcxtExchange, load_credentials

        key, secret = load_credentials(os.environ)
        return CcxtExchange(CcxtConfig(
            exchange_id=settings.ccxt_exchange, sandbox=settings.ccxt_sandbox,
            api_url=settings.ccxt_api_url, api_key=key, secret=secret,
            timeout_ms=settings.ccxt_timeout_ms,
            # ccxt's pacing protects real venues; a loopback test venue needs none.
            rate_limit=not (settings.ccxt_api_url or "").startswith("http://127.0.0.1"),
        ))
    raise ValueError(f"unknown venue {settings.venue!r}: use `paper` or `ccxt`")


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
        # The file this process was started with is put in force (audited if it changed).
        loaded = self.limits.loaded()
        await self.writer.run(
            lambda uow: limits_admin.install(uow, self.limits, loaded, "system:startup"))
        self.prices.markets = dict(await self.exchange.load_markets())
        await refresh(self.prices, self.exchange, limits.symbols)
        self._tasks.append(asyncio.create_task(run_feed(self.prices, self.exchange,
                                                        list(limits.symbols))))
        self._tasks.append(asyncio.create_task(risk_monitor.run(self.writer)))
        if run_executor:
            self._tasks.append(asyncio.create_task(self.executor.run()))

    async def stop(self) -> None:
        # Every wait is bounded: a shutdown must finish even if a venue call hangs. A send
        # still in flight stays `sending` and is resolved by client order id at the next
        # start, never resent blindly.
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            _, stuck = await asyncio.wait(self._tasks, timeout=STOP_TIMEOUT_S)
            for task in stuck:
                log.warning("background task %s did not stop in time", task.get_name())
        self._tasks.clear()
        try:
            await asyncio.wait_for(self.executor.drain(), timeout=STOP_TIMEOUT_S)
        except TimeoutError:
            log.warning("sends still in flight at shutdown: resolved at the next start")
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
    writer = Writer(engine, clock, prices.view, limits=limits.source)
    exchange = exchange or make_exchange(settings, clock)
    instance = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    executor = Executor(writer, exchange, limits.current, instance,
                        reader=lambda: queries.open_venue_orders(engine), poll_s=poll_s,
                        unknown_grace_s=settings.unknown_grace_s,
                        # a timed-out ccxt send can land until its signed request expires
                        settle_s=settings.ccxt_timeout_ms / 1000 + 10
                        if settings.venue == "ccxt" else 0.0,
                        venue_down_s=settings.venue_down_s, reconcile_s=settings.reconcile_s,
                        reconcile_halt=settings.reconcile_halt)
    return Gateway(settings, engine, clock, writer, limits, prices, exchange, executor,
                   Authenticator(engine), instance)
