"""Stop-loss levels: the largest loss a position may carry before the gateway acts.

A level is a price distance from the position's entry (average) price, or a share of its
entry value, or both (whichever is reached first). Pure: positions and prices in, a verdict
out; the stop watch in the shell acts on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictInt

from .money import exact, parse_decimal, to_text
from .orders import Side

ZERO = Decimal(0)
Amount = Annotated[Decimal, BeforeValidator(parse_decimal)]


class StopLossSettings(BaseModel):
    """What the gateway does when a position reaches its stop level (`stop_loss:`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    share: Amount | None = Field(default=None, gt=0, lt=1)
    """Default level for every symbol without its own: loss as a share of entry value."""

    distance: Amount | None = Field(default=None, gt=0)
    """Default level for every symbol without its own: adverse price move, quote currency."""

    send_without_approval: bool = False
    """Send the protective exit at once instead of queuing it for a human (audited alike)."""

    exit_offset_bps: Amount = Field(default=Decimal(50), ge=0)
    """How far through the reference price the exit's limit price goes (capped at the
    price collar, so the exit always passes it)."""

    retry_seconds: StrictInt = Field(default=30, gt=0, le=3600)
    """Least time between two protective exits raised for one symbol (e.g. after a
    refusal, a denial or a partial fill)."""


@dataclass(frozen=True, slots=True)
class StopLevel:
    share: Decimal | None = None
    distance: Decimal | None = None

    @property
    def is_set(self) -> bool:
        return self.share is not None or self.distance is not None


@dataclass(frozen=True, slots=True)
class StopBreach:
    """A position at or past its stop level, with the figures that decided it."""

    symbol: str
    quantity: Decimal
    entry_price: Decimal
    reference_price: Decimal
    trigger_price: Decimal  # the price at which the level is reached
    loss: Decimal           # unrealized loss at the reference price (positive)
    level: str              # e.g. "5% of entry value" or "price distance 2500"

    def figures(self) -> dict[str, object]:
        return {"symbol": self.symbol, "position": self.quantity,
                "entry_price": self.entry_price, "reference_price": self.reference_price,
                "trigger_price": self.trigger_price, "unrealized_loss": self.loss,
                "level": self.level}


@exact
def trigger_price(quantity: Decimal, entry: Decimal, level: StopLevel) -> Decimal | None:
    """The reference price at which a position reaches its level (the nearer of the two);
    None for a flat position or no level."""
    if quantity == 0 or not level.is_set:
        return None
    candidates = []
    if level.share is not None:
        candidates.append(entry * (1 - level.share) if quantity > 0 else entry * (1 + level.share))
    if level.distance is not None:
        candidates.append(entry - level.distance if quantity > 0 else entry + level.distance)
    # A long is stopped by the first (highest) price reached falling; a short by the lowest.
    return max(candidates) if quantity > 0 else min(candidates)


def _describe(level: StopLevel) -> str:
    parts = []
    if level.share is not None:
        parts.append(f"{to_text(level.share * 100)}% of entry value")
    if level.distance is not None:
        parts.append(f"price distance {to_text(level.distance)}")
    return " or ".join(parts)


@exact
def breach(symbol: str, quantity: Decimal, entry: Decimal | None, reference: Decimal | None,
           level: StopLevel) -> StopBreach | None:
    """The breach if the position is at or past its level at `reference`, else None.

    Raises ValueError when it cannot tell (a held position without entry or reference
    price): callers fail closed."""
    if quantity == 0 or not level.is_set:
        return None
    if entry is None or reference is None:
        raise ValueError(f"{symbol}: no {'entry' if entry is None else 'reference'} price to "
                         "compare with the stop level")
    trigger = trigger_price(quantity, entry, level)
    assert trigger is not None
    reached = reference <= trigger if quantity > 0 else reference >= trigger
    if not reached:
        return None
    loss = (entry - reference) * quantity
    return StopBreach(symbol, quantity, entry, reference, trigger, loss, _describe(level))


def exit_side(quantity: Decimal) -> Side:
    return Side.SELL if quantity > 0 else Side.BUY


@exact
def exit_price(side: Side, reference: Decimal, offset_bps: Decimal, collar_bps: Decimal,
               tick: Decimal) -> Decimal:
    """A marketable limit price for a protective exit: `offset_bps` through the reference,
    never farther than the collar, rounded to the tick toward the reference (so it stays
    inside the collar) but never to the wrong side of it (so it stays marketable)."""
    bps = min(offset_bps, collar_bps)
    if side is Side.SELL:
        price = _on_tick(reference * (1 - bps / 10_000), tick, ROUND_CEILING)
        if price > reference:
            price = _on_tick(reference, tick, ROUND_FLOOR)
    else:
        price = _on_tick(reference * (1 + bps / 10_000), tick, ROUND_FLOOR)
        if price < reference:
            price = _on_tick(reference, tick, ROUND_CEILING)
    return price if price > 0 else tick


def _on_tick(value: Decimal, tick: Decimal, rounding: str) -> Decimal:
    return (value / tick).to_integral_value(rounding=rounding) * tick


@exact
def exit_chunks(quantity: Decimal, price: Decimal, step: Decimal, max_notional: Decimal,
                max_quantity: Decimal | None, max_chunks: int = 20) -> list[Decimal]:
    """Split an exit of `quantity` into orders that each fit the per-order notional cap and
    the quantity bound, on the venue's lot step. Rounds down: never more than the position."""
    per = (max_notional / price / step).to_integral_value(rounding=ROUND_FLOOR) * step
    if max_quantity is not None:
        per = min(per, (max_quantity / step).to_integral_value(rounding=ROUND_FLOOR) * step)
    total = (quantity / step).to_integral_value(rounding=ROUND_FLOOR) * step
    if per <= 0 or total <= 0:
        return []
    chunks: list[Decimal] = []
    while total > 0 and len(chunks) < max_chunks:
        part = min(per, total)
        chunks.append(part)
        total -= part
    return chunks
