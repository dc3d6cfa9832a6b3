"""Every refused call by a known caller leaves an audit record, `call.refused`.

Refusals that already write a record of their own are left alone: a proposal refused by
limits (its rejected order), while halted (`proposal.refused_halted`), a call outside the
caller's role (`access.denied`), a producer's bad signature or replay (`access.refused`).
A caller nobody could identify (unknown token or key) has no actor to record.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from gateway.domain.state_machine import IllegalTransition
from gateway.services.authn import SignatureRefused
from gateway.services.errors import ServiceError

from .errors import STATUS, ApiError, validation_details

log = logging.getLogger(__name__)

REFUSALS = (ServiceError, IllegalTransition, ValidationError, RequestValidationError, ApiError)
ORDER_ID_MAX = 40  # the audit table's order_id column
RECORD_TIMEOUT_S = 5.0


def outcome(exc: Exception) -> tuple[int, str, str, str | None]:
    """(status, code, message, field) as the API answers the refusal."""
    if isinstance(exc, ApiError):
        return exc.status, exc.code, exc.message, exc.field
    if isinstance(exc, ValidationError | RequestValidationError):
        field, message, _ = validation_details(list(exc.errors()))
        return 422, "validation_error", message, field
    if isinstance(exc, ServiceError):
        status = next((s for t, s in STATUS.items() if isinstance(exc, t)), 400)
        return status, exc.code, exc.message, getattr(exc, "field", None)
    return 409, "illegal_transition", str(exc), None


async def record(request: Request, exc: Exception) -> None:
    """Audit `exc` as a refused call, unless it is audited already or has no known caller."""
    if getattr(exc, "audited", False) or isinstance(exc, SignatureRefused) or (
            getattr(exc, "code", None) == "shutting_down"):  # not about the call: resend it
        return
    who = getattr(request.state, "principal", None)
    actor: str | None = who.actor if who is not None else getattr(exc, "actor", None)
    if actor is None:
        return
    status, code, message, field = outcome(exc)
    order_id = request.path_params.get("order_id")
    # The role is there for the refused-calls counter and log line (observability/): the
    # actor alone does not say whether an operator is a trader, risk or admin.
    role = who.role.value if who is not None else actor.partition(":")[0]
    payload: dict[str, Any] = {"method": request.method, "path": request.url.path,
                               "status": status, "code": code, "field": field, "role": role}
    if order_id is not None and len(order_id) > ORDER_ID_MAX:
        order_id = None  # not one of ours; the path keeps it
    try:  # bounded: a writer that has stopped must not hold the refusal's answer
        await asyncio.wait_for(request.app.state.gateway.writer.run(lambda uow: uow.audit.append(
            uow.now, "call.refused", actor, order_id=order_id, reason=message,
            payload=payload)), RECORD_TIMEOUT_S)
    except Exception:  # the caller still hears the refusal; nothing else changed
        log.exception("could not audit a refused %s %s by %s", request.method,
                      request.url.path, actor)
