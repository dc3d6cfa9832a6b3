"""Wire schemas of the desk's endpoints (who am I, edit, limits, producers, impact,
utilisation, PnL)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from .schemas import DecimalOut, DecimalStr, OrderOut, Wire


class MeOut(Wire):
    """The operator calling: the desk offers only what this role may do."""

    name: str
    role: Literal["trader", "risk", "admin"]
    principal: str = Field(description="The person who answers for this operator")
    jurisdiction: str | None
    expires_at: datetime | None = Field(description="When this token stops working (null: "
                                        "never)")


class EditIn(Wire):
    """Reduce the quantity and/or tighten the limit price of a pending order."""

    version: int = Field(description="The order version the trader saw; refused if it changed")
    quantity: DecimalStr | None = Field(default=None, description="Smaller than the current")
    limit_price: DecimalStr | None = Field(
        default=None, description="Lower for a buy, higher for a sell"
    )


class LimitsOut(Wire):
    version: str
    limits: dict[str, object] = Field(description="limits.yaml as parsed; amounts as strings")


class ViolationOut(Wire):
    order_id: str
    at: datetime
    reason: str | None


class ProducerOut(Wire):
    name: str
    principal: str
    status: str
    proposals: int
    approvals: int
    denials: int
    rejections: int
    pending: int
    proposals_last_hour: int
    filled_pnl: DecimalOut = Field(description="Marked-to-market PnL of its filled quantity")
    recent_violations: list[ViolationOut]


class ProducersOut(Wire):
    producers: list[ProducerOut]


class UsageOut(Wire):
    """One utilisation bar: `used` of `limit`; new limits add rows, not fields."""

    name: str
    used: DecimalOut
    limit: DecimalOut
    fraction: DecimalOut


class ImpactOut(Wire):
    order_id: str
    version: int
    producer: ProducerOut | None
    position_now: DecimalOut
    position_after: DecimalOut
    reserved_same_side: DecimalOut = Field(description="Other pending/open orders on this side")
    mark_price: DecimalOut | None
    exposure_now: DecimalOut | None
    exposure_after: DecimalOut | None
    notional: DecimalOut | None
    needs_dual_approval: bool
    first_approved_by: str | None
    usage: list[UsageOut]


class UtilisationOut(Wire):
    usage: list[UsageOut]


class PnlPoint(Wire):
    at: datetime
    realized: DecimalOut
    total: DecimalOut


class PnlOut(Wire):
    since: datetime
    points: list[PnlPoint]
    realized_pnl: DecimalOut
    unrealized_pnl: DecimalOut


class QueueOrderOut(OrderOut):
    """A pending order as the queue lists it: its checks summarised, not listed (the full
    order is one GET away), so 10,000 of them stay a small reply."""

    checks_failed: int
    checks_total: int


class QueueOut(Wire):
    orders: list[QueueOrderOut]
