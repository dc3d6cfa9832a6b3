"""Orders and proposals as immutable values."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from enum import StrEnum


class Side(StrEnum):
    BUY = "buy"
    SELL = "sell"

    @property
    def sign(self) -> int:
        return 1 if self is Side.BUY else -1


class OrderType(StrEnum):
    LIMIT = "limit"
    MARKET = "market"


class OrderState(StrEnum):
    """See docs/ORDER_LIFECYCLE.md for the diagram."""

    PROPOSED = "proposed"
    REJECTED = "rejected"
    PENDING_APPROVAL = "pending_approval"
    APPROVED = "approved"
    DENIED = "denied"
    EXPIRED = "expired"
    SENDING = "sending"
    SUBMITTED = "submitted"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELLED = "cancelled"
    FAILED = "failed"

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL_STATES

    @property
    def reserves_exposure(self) -> bool:
        """States whose unfilled quantity counts against limits (worst case)."""
        return self in RESERVING_STATES


TERMINAL_STATES = frozenset(
    {
        OrderState.REJECTED,
        OrderState.DENIED,
        OrderState.EXPIRED,
        OrderState.FILLED,
        OrderState.CANCELLED,
        OrderState.FAILED,
    }
)
RESERVING_STATES = frozenset(
    {
        OrderState.PENDING_APPROVAL,
        OrderState.APPROVED,
        OrderState.SENDING,
        OrderState.SUBMITTED,
        OrderState.PARTIALLY_FILLED,
    }
)
# Orders live at (or possibly at) the venue: they must be tracked and cancelled on halt.
VENUE_STATES = frozenset({OrderState.SENDING, OrderState.SUBMITTED, OrderState.PARTIALLY_FILLED})


@dataclass(frozen=True, slots=True)
class Proposal:
    """What a producer asks for. Validated at the boundary; amounts are already Decimal."""

    producer: str
    symbol: str
    side: Side
    type: OrderType
    quantity: Decimal
    limit_price: Decimal | None = None
    idempotency_key: str | None = None
    rationale: str | None = None
    confidence: Decimal | None = None
    venue: str | None = None  # None: the gateway's connected venue


# Orders the gateway raises itself (protective exits) carry this origin; producers' orders
# carry none.
SYSTEM_ORIGIN = "system"


@dataclass(frozen=True, slots=True)
class Order:
    id: str
    producer: str
    symbol: str
    side: Side
    type: OrderType
    quantity: Decimal
    limit_price: Decimal | None
    state: OrderState
    created_at: datetime
    updated_at: datetime
    expires_at: datetime
    version: int = 1
    filled_quantity: Decimal = Decimal(0)
    average_fill_price: Decimal | None = None
    fees: Decimal = Decimal(0)
    idempotency_key: str | None = None
    client_order_id: str | None = None
    venue_order_id: str | None = None
    reason: str | None = None
    limits_version: str | None = None
    rationale: str | None = None
    confidence: Decimal | None = None
    approved_by: str | None = None
    decided_at: datetime | None = None
    venue: str | None = None
    scope_version: int | None = None  # the producer's scope version it was admitted under
    origin: str | None = None  # SYSTEM_ORIGIN for orders the gateway raised itself
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def raised_by_system(self) -> bool:
        return self.origin == SYSTEM_ORIGIN

    @property
    def remaining(self) -> Decimal:
        return self.quantity - self.filled_quantity

    def evolve(self, **changes: object) -> Order:
        return replace(self, **changes)  # type: ignore[arg-type]
