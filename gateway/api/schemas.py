"""Wire schemas: the HTTP contract shared by the server, the SDK and the desk.

Amounts travel as decimal strings ("0.015"); JSON numbers are refused because a JSON
number is a float by the time most parsers hand it over.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, WithJsonSchema

from gateway.domain.money import parse_decimal, read_decimal, to_text

DecimalStr = Annotated[
    Decimal,
    BeforeValidator(parse_decimal),
    PlainSerializer(to_text, return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^-?\d+(\.\d+)?$", "examples": ["0.015"]}),
]

# Figures the gateway computed (averages, PnL, notionals) may carry more digits than any
# input may; they are read back exactly, never through the stricter input parser.
DecimalOut = Annotated[
    Decimal,
    BeforeValidator(read_decimal),
    PlainSerializer(to_text, return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^-?\d+(\.\d+)?$", "examples": ["0.015"]}),
]


class Wire(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ProposalIn(Wire):
    """A producer's proposed order."""

    symbol: str = Field(min_length=1, max_length=32, description="Canonical symbol, e.g. BTC/USDT")
    side: Literal["buy", "sell"]
    type: Literal["limit", "market"] = "limit"
    quantity: DecimalStr = Field(gt=0, description="Base quantity, > 0")
    limit_price: DecimalStr | None = Field(default=None, gt=0,
                                           description="Required for limit orders")
    idempotency_key: str | None = Field(
        default=None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$"
    )
    rationale: str | None = Field(default=None, max_length=2000)
    confidence: DecimalStr | None = Field(default=None, ge=0, le=1,
                                          description="0..1, the bot's own")
    venue: str | None = Field(default=None, min_length=1, max_length=32,
                              pattern=r"^[a-z0-9][a-z0-9_.-]*$",
                              description="Venue id as limits.yaml declares it; default: the "
                                          "gateway's connected venue")


class ExplainIn(ProposalIn):
    """A proposal to evaluate without queuing; operators may name the producer."""

    producer: str | None = Field(default=None, max_length=64)


class CheckOut(Wire):
    name: str
    passed: bool
    observed: str | int | None
    limit: str | int | None
    message: str


class OrderOut(Wire):
    id: str
    producer: str
    symbol: str
    side: str
    type: str
    quantity: DecimalOut
    limit_price: DecimalOut | None
    state: str
    version: int
    created_at: datetime
    updated_at: datetime
    expires_at: datetime
    filled_quantity: DecimalOut
    average_fill_price: DecimalOut | None
    fees: DecimalOut
    notional: DecimalOut | None
    reason: str | None
    idempotency_key: str | None
    client_order_id: str | None
    venue_order_id: str | None
    limits_version: str | None
    rationale: str | None
    confidence: DecimalOut | None
    approved_by: str | None
    checks: list[CheckOut] = []
    venue: str | None = None
    scope_version: int | None = Field(default=None, description="The producer's scope version "
                                      "it was admitted under")
    origin: str | None = Field(default=None, description="`system`: a protective exit the "
                               "gateway raised itself (stop-loss)")


class OrderList(Wire):
    orders: list[OrderOut]


class ApproveIn(Wire):
    version: int | None = Field(
        default=None, description="The order version the approver saw; refused if it changed"
    )


class DenyIn(Wire):
    reason: str = Field(min_length=1, max_length=500)
    version: int | None = None


class ReasonIn(Wire):
    reason: str = Field(min_length=1, max_length=500)


class HaltOut(Wire):
    """One halt: the global one (scope "global") or a symbol's or a producer's."""

    halted: bool
    reason: str | None
    actor: str | None
    since: datetime | None
    scope: Literal["global", "symbol", "producer"] = "global"
    target: str | None = None
    rule: str | None = Field(default=None, description="The automatic rule that fired")
    sends_in_flight: int | None = Field(
        default=None, description="POST /v1/halt: orders claimed before the halt whose send "
        "may still reach the venue (`gateway halt` waits for them to settle)")
    withdrawn: int | None = Field(default=None, description="POST /v1/resume: orders the "
                                  "halt held back, withdrawn rather than resumed")


class OpenAtVenueOut(Wire):
    """Orders the gateway's records show at (or on their way to) the venue, per symbol."""

    symbol: str
    sending: int
    submitted: int
    partially_filled: int


class PositionOut(Wire):
    symbol: str
    quantity: DecimalOut
    average_price: DecimalOut | None
    realized_pnl: DecimalOut
    mark_price: DecimalOut | None
    unrealized_pnl: DecimalOut | None


class PositionsOut(Wire):
    positions: list[PositionOut]
    realized_pnl: DecimalOut
    unrealized_pnl: DecimalOut


class PriceOut(Wire):
    symbol: str
    bid: DecimalOut
    ask: DecimalOut
    mid: DecimalOut
    observed_at: datetime


class PricesOut(Wire):
    prices: list[PriceOut]


class StopOut(Wire):
    """A symbol switched to reduce-only by the stop watch, with what triggered it."""

    symbol: str
    since: datetime
    actor: str
    reason: str
    figures: dict[str, object]
    last_exit_at: datetime | None


class StopsOut(Wire):
    stops: list[StopOut]


class StopClearIn(Wire):
    symbol: str = Field(min_length=1, max_length=32)
    reason: str = Field(min_length=1, max_length=500)


class ScopeKeyOut(Wire):
    algorithm: Literal["Ed25519"]
    key_id: str
    public_key: str = Field(description="Base64 of the 32 raw public key bytes")


class SignedScopeOut(Wire):
    document: dict[str, object]
    signature: dict[str, str]


class MismatchOut(Wire):
    """A difference with the venue found by the last reconciliation (also audited as
    `venue.mismatch`)."""

    kind: str
    detail: str
    client_order_id: str | None = None
    currency: str | None = None
    expected: DecimalOut | None = None
    held: DecimalOut | None = None


class StatusOut(Wire):
    halt: HaltOut
    orders_by_state: dict[str, int]
    limits_version: str
    venue: str
    server_time: datetime
    stopped_symbols: list[str] = Field(default=[], description="Reduce-only after reaching "
                                       "their stop level, until an operator clears them")
    # Operators only (a producer sees an empty list): what differs from the venue now.
    venue_mismatches: list[MismatchOut] = Field(default_factory=list)
    halts: list[HaltOut] = Field(default=[], description="Halts of one symbol or producer")
    open_at_venue: list[OpenAtVenueOut] = []
    cancels_pending: bool = Field(default=False, description="This process still has "
                                  "orders to cancel at the venue (unreachable or refusing)")


class RebaselineOut(Wire):
    venue: str
    previous: dict[str, DecimalOut] | None


class AuditEventOut(Wire):
    seq: int
    ts: datetime
    kind: str
    actor: str
    order_id: str | None
    reason: str | None
    payload: dict[str, object]
    hash: str
    prev_hash: str | None = None  # with `hash`, lets a reader re-check the chain link


class AuditPage(Wire):
    events: list[AuditEventOut]
    next_after: int | None


class ErrorBody(Wire):
    code: str
    message: str
    field: str | None = None
    details: dict[str, object] | list[object] | None = None


class ErrorOut(Wire):
    error: ErrorBody


class ExplainOut(Wire):
    passed: bool
    limits_version: str
    deciding: list[str] = Field(description="The checks that refuse it (empty: it would pass)")
    checks: list[CheckOut]


class LimitsReloadOut(Wire):
    version: str
    changed: bool
    diff: dict[str, dict[str, object]]
    reevaluated: list[dict[str, object]]
