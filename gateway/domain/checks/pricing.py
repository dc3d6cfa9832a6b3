from __future__ import annotations

from decimal import Decimal

from ..orders import Proposal
from ..risk import RiskSnapshot


def order_price(p: Proposal, snap: RiskSnapshot) -> Decimal | None:
    """The price an order is valued at: its limit, else the reference price (None: unknown)."""
    if p.limit_price is not None:
        return p.limit_price
    return snap.reference_prices.get(p.symbol)
