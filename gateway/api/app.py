"""The FastAPI app factory: a thin shell over the services."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from gateway import __version__
from gateway.bootstrap import Gateway

from . import errors
from .routes import audit, control, health, orders


def create_app(gateway: Gateway, run_executor: bool = True) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        loop = asyncio.get_running_loop()
        committed = asyncio.Event()
        app.state.committed = committed

        def pulse() -> None:
            # Wake every event stream, then re-arm: waiters saw the set, later ones wait.
            committed.set()
            committed.clear()

        def on_commit() -> None:
            loop.call_soon_threadsafe(pulse)

        gateway.writer.on_commit(on_commit)
        await gateway.start(run_executor=run_executor)
        try:
            yield
        finally:
            await gateway.stop()

    app = FastAPI(title="Guardrail Gateway", version=__version__, lifespan=lifespan,
                  description="AI bots propose orders; hard limits constrain; a human approves.")
    app.state.gateway = gateway
    errors.install(app)
    for module in (orders, control, audit, health):
        app.include_router(module.router)
    return app
