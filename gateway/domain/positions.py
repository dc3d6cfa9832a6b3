"""Position accounting: average cost, realized PnL on reductions, fees charged to PnL."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .orders import Side

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Position:
    symbol: str
    quantity: Decimal = ZERO          # signed base units: + long, - short
    average_price: Decimal | None = None
    realized_pnl: Decimal = ZERO      # quote currency, net of fees

    def unrealized(self, mark: Decimal | None) -> Decimal | None:
        if mark is None or self.average_price is None or self.quantity == 0:
            return ZERO if self.quantity == 0 else None
        return (mark - self.average_price) * self.quantity


def apply_fill(
    pos: Position, side: Side, quantity: Decimal, price: Decimal, fee: Decimal = ZERO
) -> Position:
    """The position after a fill of `quantity` at `price` (fee in quote currency)."""
    if quantity <= 0 or price <= 0:
        raise ValueError("a fill needs a positive quantity and price")
    signed = quantity * side.sign
    old = pos.quantity
    new = old + signed
    realized = pos.realized_pnl - fee
    avg = pos.average_price
    if old == 0 or (old > 0) == (signed > 0):
        # Opening or adding: the average cost moves toward the fill price.
        total_cost = (avg or ZERO) * abs(old) + price * quantity
        avg = total_cost / abs(new)
    else:
        closed = min(abs(signed), abs(old))
        direction = 1 if old > 0 else -1
        realized += (price - (avg or price)) * closed * direction
        if new == 0:
            avg = None
        elif (new > 0) != (old > 0):
            avg = price  # flipped through zero: the remainder opened at this fill's price
    return Position(pos.symbol, new, avg, realized)
