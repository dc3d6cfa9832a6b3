"""The FastAPI app factory: a thin shell over the services."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI

from gateway import __version__
from gateway.bootstrap import Gateway
from gateway.domain.limits import LimitsError
from gateway.services import limits_admin

from . import errors, sse
from .deps import identify, on_refusal
from .routes import (
    audit,
    control,
    desk,
    halts,
    health,
    limits,
    orders,
    producer_events,
    trader_rules,
    venue,
)

log = logging.getLogger(__name__)


async def _sighup(gateway: Gateway) -> None:
    try:
        result = await limits_admin.reload_from_file(gateway.writer, gateway.limits,
                                                     "system:sighup")
        log.info("limits reloaded on SIGHUP: version %s (changed: %s)", result["version"],
                 result["changed"])
    except LimitsError as exc:
        log.error("limits reload on SIGHUP refused; the limits in force are unchanged:\n%s", exc)


def create_app(gateway: Gateway, run_executor: bool = True) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        loop = asyncio.get_running_loop()
        committed = sse.CommitSignal()
        app.state.committed = committed

        def on_commit() -> None:
            loop.call_soon_threadsafe(committed.pulse)

        gateway.on_commit(on_commit)
        await gateway.start(run_executor=run_executor)
        # SIGHUP re-reads limits.yaml, like `gateway limits reload`; an invalid file keeps
        # the limits in force (and the refusal is audited).
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signal.SIGHUP, lambda: loop.create_task(_sighup(gateway)))
        try:
            yield
        finally:
            await gateway.stop()

    app = FastAPI(title="Guardrail Gateway", version=__version__, lifespan=lifespan,
                  description="AI bots propose orders; hard limits constrain; a human approves.",
                  dependencies=[Depends(identify)])  # who is calling, for every route
    app.state.gateway = gateway
    app.state.poll_s = lambda: gateway.events_poll_s
    # Every refusal: the quarantine watch and the refused-call record (deps.on_refusal).
    errors.install(app, on_refusal=on_refusal)
    # producer_events first: /v1/orders/events must not match /v1/orders/{order_id}.
    for module in (producer_events, orders, halts, control, audit, health, desk, limits,
                   trader_rules, venue):
        app.include_router(module.router)
    return app
