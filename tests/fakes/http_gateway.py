"""An in-memory gateway HTTP API for desk tests, served through httpx.MockTransport.

It follows the operator contract the desk is built against (orders, approve/deny with
versions, halt/resume, status, audit, and a Server-Sent Events stream) with just enough
state to make the desk's behaviour observable. It is not the gateway: no limits, no venue.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

import httpx

from gateway.api.schemas import (
    AuditEventOut,
    CheckOut,
    HaltOut,
    MismatchOut,
    OrderOut,
    StatusOut,
)
from tests.fakes.http_desk_routes import (
    DeskExtras,
    edit_refusal,
    edited,
    overview_reply,
    queue_item,
)

StreamMode = Literal["live", "finite", "fail"]


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    params: dict[str, str]
    body: Any


def default_checks() -> list[CheckOut]:
    return [
        CheckOut(name="max_notional", passed=True, observed="32000", limit="50000", message="ok"),
        CheckOut(
            name="daily_loss", passed=False, observed="1200", limit="1000", message="over budget"
        ),
    ]


class FakeGatewayHttp:
    def __init__(self, *, token: str = "desk-token", role: str = "trader") -> None:
        self.token = token
        self.role = role
        self.actor = "trader-1"
        self.orders: dict[str, OrderOut] = {}
        self.halt = HaltOut(halted=False, reason=None, actor=None, since=None)
        self.mismatches: list[MismatchOut] = []
        self.scoped_halts: list[HaltOut] = []  # halts of one symbol or producer
        self.events: list[AuditEventOut] = []
        self.requests: list[Recorded] = []
        self.stream_mode: StreamMode = "live"
        self.stream_opens = 0
        # When set to an unset Event, approve/deny wait for it: lets a test look at the desk
        # while the decision is still in flight.
        self.hold_decisions: asyncio.Event | None = None
        self._subscribers: list[asyncio.Queue[AuditEventOut]] = []
        self._next_id = 1
        # Dual-approval threshold, reference prices, positions: the desk routes' state.
        self.extras = DeskExtras()
        # The server's clock; snapshot tests fix it so countdowns render the same every run.
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)
        # When set to an unset Event, queue fetches read now but answer once it is set.
        self.slow_queue: asyncio.Event | None = None
        # False: GET /v1/me is not there (a gateway older than the desk).
        self.knows_me = True

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def decisions(self) -> list[Recorded]:
        return [r for r in self.requests if r.method == "POST"]

    # ---- arranging state -----------------------------------------------------------

    def add_order(
        self,
        *,
        producer: str = "alpha-bot",
        symbol: str = "BTC/USDT",
        side: str = "buy",
        quantity: str = "0.5",
        limit_price: str | None = "64000",
        expires_in: float = 600,
        state: str = "pending_approval",
        rationale: str | None = "breakout above the 4h range",
        checks: list[CheckOut] | None = None,
    ) -> OrderOut:
        now = self.clock()
        order_id = f"ord-{self._next_id:03d}"
        self._next_id += 1
        qty, price = Decimal(quantity), None if limit_price is None else Decimal(limit_price)
        order = OrderOut(
            id=order_id,
            producer=producer,
            symbol=symbol,
            side=side,
            type="limit" if price is not None else "market",
            quantity=qty,
            limit_price=price,
            state=state,
            version=1,
            created_at=now,
            updated_at=now,
            expires_at=now + timedelta(seconds=expires_in),
            filled_quantity=Decimal(0),
            average_fill_price=None,
            fees=Decimal(0),
            notional=None if price is None else qty * price,
            reason=None,
            idempotency_key=None,
            client_order_id=None,
            venue_order_id=None,
            limits_version="v1",
            rationale=rationale,
            confidence=Decimal("0.8"),
            approved_by=None,
            checks=default_checks() if checks is None else checks,
        )
        self.orders[order_id] = order
        return order

    def change_order(self, order_id: str, **updates: Any) -> OrderOut:
        """Someone else edits the order: its version moves on, and no event is sent."""
        order = self.orders[order_id]
        changed = order.model_copy(update={**updates, "version": order.version + 1})
        self.orders[order_id] = changed
        return changed

    def publish(
        self,
        kind: str,
        order_id: str | None = None,
        actor: str = "system",
        reason: str | None = None,
    ) -> AuditEventOut:
        event = AuditEventOut(
            seq=len(self.events) + 1,
            ts=self.clock(),
            kind=kind,
            actor=actor,
            order_id=order_id,
            reason=reason,
            payload={},
            hash=f"h{len(self.events) + 1}",
        )
        self.events.append(event)
        for queue in self._subscribers:
            queue.put_nowait(event)
        return event

    def halt_symbol(self, symbol: str, actor: str, reason: str) -> None:
        since = datetime(2026, 11, 3, 14, 2, 11, tzinfo=UTC)
        self.scoped_halts.append(HaltOut(halted=True, reason=reason, actor=actor, since=since,
                                         scope="symbol", target=symbol))
        self.publish("halt.set", actor=actor, reason=reason)

    def set_halt(self, halted: bool, actor: str, reason: str) -> HaltOut:
        since = datetime(2026, 11, 3, 14, 2, 11, tzinfo=UTC) if halted else None
        self.halt = HaltOut(
            halted=halted,
            reason=reason if halted else None,
            actor=actor if halted else None,
            since=since,
        )
        self.publish("halt.set" if halted else "halt.cleared", actor=actor, reason=reason)
        return self.halt

    def set_mismatches(self, mismatches: list[MismatchOut]) -> None:
        """What a reconciliation found, with the audit record it writes."""
        self.mismatches = mismatches
        self.publish("venue.mismatch" if mismatches else "venue.reconciled",
                     actor="system:executor")

    # ---- the HTTP surface -----------------------------------------------------------

    async def handle(self, request: httpx.Request) -> httpx.Response:
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return _error(401, "unauthorized", "missing or unknown token")
        body: Any = json.loads(request.content) if request.content else None
        params = dict(request.url.params)
        self.requests.append(Recorded(request.method, request.url.path, params, body))
        parts = request.url.path.strip("/").split("/")[1:]  # drop "v1"
        match request.method, parts:
            case "GET", ["orders"]:
                state = params.get("state")
                found = [o for o in self.orders.values() if state is None or o.state == state]
                payload = {"orders": [json.loads(o.model_dump_json()) for o in found]}
                if self.slow_queue is not None:  # answer as of now, deliver later
                    await self.slow_queue.wait()
                return _json(payload)
            case "GET", ["desk", "queue"]:
                found = [o for o in self.orders.values() if o.state == "pending_approval"]
                payload = {"orders": [queue_item(o) for o in found]}
                if self.slow_queue is not None:  # answer as of now, deliver later
                    await self.slow_queue.wait()
                return _json(payload)
            case "POST", ["orders", order_id, "edit"]:
                return self._edit(order_id, body or {})
            case "GET", ["limits"]:
                return _json(self.extras.limits())
            case "GET", ["prices"]:
                return _json(self.extras.prices())
            case "GET", ["desk", "orders", order_id, "impact"]:
                if order_id not in self.orders:
                    return _error(404, "not_found", f"no order {order_id}")
                return _model(self.extras.impact(self.orders[order_id]))
            case "GET", ["orders", order_id]:
                if order_id not in self.orders:
                    return _error(404, "not_found", f"no order {order_id}")
                return _model(self.orders[order_id])
            case "POST", ["orders", order_id, ("approve" | "deny") as verb]:
                return await self._decide(order_id, verb, body or {})
            case "POST", ["halt"]:
                if not (body or {}).get("reason"):
                    return _error(422, "invalid", "a reason is required", field="reason")
                return _model(self.set_halt(True, self.actor, body["reason"]))
            case "POST", ["resume"]:
                if self.role not in ("risk", "admin"):
                    return _error(403, "forbidden", "only risk or admin may resume trading")
                return _model(self.set_halt(False, self.actor, body["reason"]))
            case "GET", ["me"] if self.knows_me:
                return _json({"name": self.actor, "role": self.role, "principal": "Pat",
                              "jurisdiction": None, "expires_at": None})
            case "GET", ["status"]:
                return _model(self._status())
            case "GET", ["audit"]:
                after = int(params.get("after", "0"))
                return _json(
                    {"events": [_dump(e) for e in self.events if e.seq > after], "next_after": None}
                )
            case "GET", ["events"]:
                return self._stream(params.get("after"))
        reply = overview_reply(parts, self.extras, self.events, params)
        if request.method == "GET" and reply is not None:
            return _json(reply)
        return _error(404, "not_found", f"no route {request.method} {request.url.path}")

    async def _decide(self, order_id: str, verb: str, body: dict[str, Any]) -> httpx.Response:
        if self.hold_decisions is not None:
            await self.hold_decisions.wait()
        order = self.orders.get(order_id)
        if order is None:
            return _error(404, "not_found", f"no order {order_id}")
        if self.halt.halted and verb == "approve":
            return _error(503, "halted", "trading is halted")
        if verb == "deny" and not body.get("reason"):
            return _error(422, "invalid", "a reason is required", field="reason")
        if order.state != "pending_approval":
            return _error(409, "not_pending", f"order is {order.state}")
        if body.get("version") not in (None, order.version):
            return _error(409, "version_conflict", f"order is now at version {order.version}")
        if verb == "approve" and self.extras.needs_dual(order):
            if order.approved_by == self.actor:
                return _error(409, "conflict", "a different operator must give the second")
            if order.approved_by is None:
                first = order.model_copy(
                    update={"version": order.version + 1, "approved_by": self.actor})
                self.orders[order_id] = first
                self.publish("order.first_approval", order_id, self.actor)
                return _model(first)
        decided = order.model_copy(
            update={
                "state": "approved" if verb == "approve" else "denied",
                "version": order.version + 1,
                "approved_by": self.actor if verb == "approve" else None,
                "reason": body.get("reason"),
            }
        )
        self.orders[order_id] = decided
        kind = "order.approved" if verb == "approve" else "order.denied"
        self.publish(kind, order_id, self.actor, body.get("reason"))
        return _model(decided)

    def _edit(self, order_id: str, body: dict[str, Any]) -> httpx.Response:
        order = self.orders.get(order_id)
        if order is None:
            return _error(404, "not_found", f"no order {order_id}")
        if order.state != "pending_approval" or body.get("version") != order.version:
            return _error(409, "conflict", f"order is {order.state} at version {order.version}")
        refusal = edit_refusal(order, body)
        if refusal is not None:
            return _error(422, "invalid_edit", refusal[1], field=refusal[0])
        self.orders[order_id] = edited(order, body)
        self.publish("order.edited", order_id, self.actor)
        return _model(self.orders[order_id])

    def _status(self) -> StatusOut:
        counts: dict[str, int] = {}
        for order in self.orders.values():
            counts[order.state] = counts.get(order.state, 0) + 1
        return StatusOut(
            halt=self.halt,
            halts=self.scoped_halts,
            orders_by_state=counts,
            limits_version="v1",
            venue="paper",
            server_time=self.clock(),
            venue_mismatches=self.mismatches,
        )

    def _stream(self, after: str | None) -> httpx.Response:
        self.stream_opens += 1
        if self.stream_mode == "fail":
            return _error(503, "unavailable", "event stream unavailable")
        # Like the real server: no `after` means from the start of the audit trail.
        start = int(after or 0)
        backlog = [e for e in self.events if e.seq > start]
        queue: asyncio.Queue[AuditEventOut] = asyncio.Queue()
        live = self.stream_mode == "live"
        if live:
            self._subscribers.append(queue)

        async def body() -> AsyncIterator[bytes]:
            try:
                yield b": connected\n\n"
                for event in backlog:
                    yield _sse(event)
                while live:
                    yield _sse(await queue.get())
            finally:
                if queue in self._subscribers:
                    self._subscribers.remove(queue)

        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body())


def _sse(event: AuditEventOut) -> bytes:
    return f"id: {event.seq}\nevent: audit\ndata: {event.model_dump_json()}\n\n".encode()


def _dump(model: Any) -> Any:
    return json.loads(model.model_dump_json())


def _json(payload: Any, status: int = 200) -> httpx.Response:
    return httpx.Response(status, json=payload)


def _model(model: Any) -> httpx.Response:
    return _json(_dump(model))


def _error(status: int, code: str, message: str, field: str | None = None) -> httpx.Response:
    return _json(
        {"error": {"code": code, "message": message, "field": field, "details": None}}, status
    )
