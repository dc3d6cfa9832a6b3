"""The one place that wires adapters to services. Tests build the gateway through it too."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from gateway import __version__, secrets
from gateway.adapters.signing_key import SigningKey
from gateway.adapters.store.engine import make_engine
from gateway.adapters.store.migrate import ensure_current
from gateway.adapters.store.notify import Listener
from gateway.adapters.store.writer import Writer
from gateway.adapters.webhook import WebhookSender
from gateway.logs import redact
from gateway.observability.decisions import log_events
from gateway.observability.metrics import Metrics
from gateway.observability.probe import DbProbe
from gateway.observability.records import events
from gateway.observability.venue_metrics import TimedExchange
from gateway.ports.clock import Clock, SystemClock
from gateway.ports.exchange import Exchange
from gateway.services import limits_admin, notifications, queries, risk_monitor, stop_watch
from gateway.services.authn import Authenticator
from gateway.services.executor import Executor
from gateway.services.holdings_check import HoldingsCheck
from gateway.services.limits_holder import LimitsHolder
from gateway.services.market_data import PriceBook, refresh, run_feed
from gateway.settings import Settings, load_settings
from gateway.url_mask import shown_url

log = logging.getLogger(__name__)
STOP_TIMEOUT_S = 10.0
# How often event streams look for other processes' commits: fast where nothing tells them
# (SQLite, or PostgreSQL while LISTEN is down), a slow safety net while LISTEN is up.
FAST_POLL_S = 0.25
SAFETY_POLL_S = 5.0


def make_exchange(settings: Settings, clock: Clock) -> Exchange:
    if settings.venue == "paper":
        from gateway.adapters.paper import PaperExchange

        return PaperExchange(clock=clock, seed=settings.paper_seed,
                             state_path=settings.paper_state,
                             latency_s=settings.paper_latency_ms / 1000)
    if settings.venue == "ccxt":
        from gateway.adapters.ccxt import CcxtConfig, CcxtExchange, load_credentials

        key, secret = load_credentials(secrets.merged_env())
        redact(key.reveal(), secret.reveal())
        return CcxtExchange(CcxtConfig(
            exchange_id=settings.ccxt_exchange, sandbox=settings.ccxt_sandbox,
            api_url=settings.ccxt_api_url, api_key=key, secret=secret,
            timeout_ms=settings.ccxt_timeout_ms,
            # ccxt's pacing protects real venues; a loopback test venue needs none.
            rate_limit=not (settings.ccxt_api_url or "").startswith("http://127.0.0.1"),
        ))
    raise ValueError(f"unknown venue {settings.venue!r}: use `paper` or `ccxt`")


def venue_id(exchange: Exchange) -> str:
    """The connected venue as limits.yaml `venues:` names it: `paper`, or the ccxt exchange
    id (`binance`, not `ccxt:binance`)."""
    return exchange.name.removeprefix("ccxt:")


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
    metrics: Metrics
    probe: DbProbe
    signing_key: SigningKey
    webhooks: WebhookSender | None = None
    draining: bool = False
    """Set at SIGTERM: proposals get 503 and /readyz fails while in-flight work finishes."""
    unresolved: list[str] = field(default_factory=list)
    """After stop(): orders this process left `sending` (resolved at the next start)."""
    listener: Listener | None = None
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _commit_hooks: list[Callable[[], None]] = field(default_factory=list)

    def on_commit(self, callback: Callable[[], None]) -> None:
        """Call `callback` (from any thread) after every commit of this process and, on
        PostgreSQL, of every other gateway process on the database (LISTEN/NOTIFY)."""
        self.writer.on_commit(callback)
        self._commit_hooks.append(callback)

    @property
    def events_poll_s(self) -> float:
        listening = self.listener is not None and self.listener.healthy
        return SAFETY_POLL_S if listening else FAST_POLL_S

    def _remote_commit(self) -> None:
        for callback in self._commit_hooks:
            callback()

    async def start(self, run_executor: bool = True) -> None:
        self.writer.start()
        if self.engine.dialect.name == "postgresql":
            # Other processes' commits and halts reach this one at once.
            self.listener = Listener(self.engine, self._remote_commit,
                                     self.executor.halt_signal)
            self.listener.start()
        limits, _ = self.limits.current()
        # The file this process was started with is put in force (audited if it changed).
        loaded = self.limits.loaded()
        await self.writer.run(
            lambda uow: limits_admin.install(uow, self.limits, loaded, "system:startup"))
        self.prices.markets = dict(await self.exchange.load_markets())
        await refresh(self.prices, self.exchange, limits.symbols)
        self._tasks.append(asyncio.create_task(run_feed(
            self.prices, self.exchange, list(limits.symbols), health=self.executor.health)))
        self._tasks.append(asyncio.create_task(risk_monitor.run(self.writer)))
        self._tasks.append(asyncio.create_task(stop_watch.run(self.writer, self.executor.wake)))
        if run_executor:
            self._tasks.append(asyncio.create_task(self.executor.run()))
        if self.webhooks is not None:
            self._tasks.append(asyncio.create_task(self.webhooks.run()))
            self._tasks.append(asyncio.create_task(self._watch_waiting()))

    async def _watch_waiting(self) -> None:
        """Every few seconds: enqueue a notification for each order waiting too long."""
        waiting_s = self.settings.webhook_order_waiting_s
        while True:
            try:
                found = await self.writer.run(
                    lambda uow: notifications.enqueue_waiting(uow, waiting_s))
                if found and self.webhooks is not None:
                    self.webhooks.wake()
            except Exception:
                log.exception("waiting-order scan failed; retrying")
            await asyncio.sleep(min(5.0, waiting_s / 4))

    async def stop(self) -> None:
        # Every wait is bounded: a shutdown must finish even if a venue call hangs. A send
        # still in flight stays `sending` and is resolved by client order id at the next
        # start, never resent blindly.
        self.draining = True
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            _, stuck = await asyncio.wait(self._tasks, timeout=STOP_TIMEOUT_S)
            for task in stuck:
                log.warning("background task %s did not stop in time", task.get_name())
        self._tasks.clear()
        try:
            await asyncio.wait_for(self.executor.drain(), timeout=self.settings.shutdown_grace_s)
        except TimeoutError:
            log.warning("sends still in flight at shutdown: parked, resolved at the next start")
            await self.executor.abandon()
        if self.listener is not None:
            self.listener.stop()
        self.writer.stop()
        await self.exchange.close()
        try:
            self.unresolved = await asyncio.to_thread(
                queries.sending_claimed_by, self.engine, self.instance)
        except Exception as exc:  # the database is gone: nothing can be vouched for
            log.error("cannot check for unresolved sends at shutdown: %s", exc)
            self.unresolved = ["(unknown: database unavailable)"]
        if self.unresolved:
            log.warning("%d send(s) left unresolved (outcome unknown); the next start asks "
                        "the venue by client order id: %s", len(self.unresolved),
                        " ".join(self.unresolved))
        self.probe.close()
        self.engine.dispose()


def build(
    settings: Settings | None = None,
    *,
    exchange: Exchange | None = None,
    clock: Clock | None = None,
    poll_s: float = 0.2,
) -> Gateway:
    settings = settings or load_settings()
    clock = clock or SystemClock()
    redact(make_url(settings.database_url).password or "")
    engine = make_engine(settings.database_url)
    ensure_current(engine)
    limits = LimitsHolder(settings.limits_path)
    prices = PriceBook()
    writer = Writer(engine, clock, prices.view, limits=limits.source)
    instance = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    metrics = Metrics(instance, __version__)
    exchange = TimedExchange(exchange or make_exchange(settings, clock), metrics)
    prices.venue = venue_id(exchange)  # the venue limits.yaml `venues:` must declare

    def on_records(rows: list[dict[str, Any]]) -> None:
        metrics.write_batches.inc(len(rows))
        seen = list(events(rows))
        metrics.observe(seen)
        log_events(seen)

    writer.on_records(on_records)
    webhooks = _webhooks(settings, engine, clock, writer, metrics)
    executor = Executor(writer, exchange, limits.current, instance,
                        reader=lambda: queries.open_venue_orders(engine), poll_s=poll_s,
                        stopped_reader=lambda book: queries.stopped_venue_orders(engine, book),
                        tracked_reader=lambda: queries.tracked_venue_orders(engine),
                        unknown_grace_s=settings.unknown_grace_s,
                        # a timed-out ccxt send can land until its signed request expires
                        settle_s=settings.ccxt_timeout_ms / 1000 + 10
                        if settings.venue == "ccxt" else 0.0,
                        venue_down_s=settings.venue_down_s, reconcile_s=settings.reconcile_s,
                        reconcile_halt=settings.reconcile_halt,
                        holdings=HoldingsCheck(writer, exchange))
    writer.on_halt(executor.halt_signal)  # a halt committed here: withdraw and cancel now
    return Gateway(settings, engine, clock, writer, limits, prices, exchange, executor,
                   Authenticator(engine), instance, metrics,
                   DbProbe(settings.database_url, settings.ready_timeout_s),
                   SigningKey(settings.signing_key_path), webhooks)


def _webhooks(settings: Settings, engine: Engine, clock: Clock, writer: Writer,
              metrics: Metrics) -> WebhookSender | None:
    if not settings.webhook_urls:
        return None
    secret = secrets.secret(secrets.WEBHOOK_SECRET)
    if not secret:
        # Fail closed: an unsigned notification could be forged by anyone on the path.
        raise ValueError(secrets.WEBHOOK_SECRET_MISSING)
    # The sender names URLs masked; as a second line of defence, one carrying credentials
    # is also blanked out of any log line that would quote it whole.
    redact(secret.reveal(), *(u for u in settings.webhook_urls if shown_url(u) != u))
    writer.hooks.append(notifications.enqueue_from_audit)
    return WebhookSender(engine, settings.webhook_urls, secret, clock.now,
                         timeout_s=settings.webhook_timeout_s,
                         max_attempts=settings.webhook_max_attempts,
                         backoff_s=settings.webhook_backoff_s,
                         keep_sent=timedelta(days=settings.webhook_keep_sent_days),
                         on_result=lambda r: metrics.webhooks.labels(r).inc())
