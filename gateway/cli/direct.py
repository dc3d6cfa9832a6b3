"""Writes straight to the database, for when the API server is down or hung."""

from __future__ import annotations

import os
from typing import Any

from gateway.adapters.store.engine import make_engine
from gateway.adapters.store.writer import execute_batch
from gateway.ports.clock import SystemClock
from gateway.services import halt
from gateway.services.authn import Authenticator
from gateway.services.errors import ServiceError
from gateway.services.principals import HUMAN_ROLES

from .output import CliError, settings


def halt_direct(token: str | None, reason: str) -> dict[str, Any]:
    token = token or os.environ.get("GATEWAY_TOKEN") or ""
    engine = make_engine(settings().database_url)
    try:
        who = Authenticator(engine).authenticate(token)
        if who.role not in HUMAN_ROLES:
            raise CliError("only operators may halt")
        [(state, error)] = execute_batch(engine, SystemClock(), {},
                                         [lambda uow: halt.set_halt(uow, who.actor, reason)])
        if error is not None:
            raise CliError(f"halt not written: {error}")
    except ServiceError as exc:
        raise CliError(exc.message) from exc
    finally:
        engine.dispose()
    return {"halted": state.halted, "reason": state.reason, "actor": state.actor,
            "since": state.since.isoformat() if state.since else None}
