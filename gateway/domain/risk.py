"""The risk picture a check sees: positions plus the worst case of every reserving order."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from .orders import Side

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Reservation:
    """The unfilled remainder of a pending, approved or open order."""

    order_id: str
    symbol: str
    side: Side
    remaining: Decimal


@dataclass(frozen=True, slots=True)
class RiskSnapshot:
    positions: Mapping[str, Decimal] = field(default_factory=dict)
    reserved_buy: Mapping[str, Decimal] = field(default_factory=dict)
    reserved_sell: Mapping[str, Decimal] = field(default_factory=dict)
    reference_prices: Mapping[str, Decimal] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        positions: Mapping[str, Decimal],
        reservations: Iterable[Reservation],
        reference_prices: Mapping[str, Decimal],
    ) -> RiskSnapshot:
        buy: dict[str, Decimal] = {}
        sell: dict[str, Decimal] = {}
        for r in reservations:
            book = buy if r.side is Side.BUY else sell
            book[r.symbol] = book.get(r.symbol, ZERO) + r.remaining
        return cls(dict(positions), buy, sell, dict(reference_prices))

    def position(self, symbol: str) -> Decimal:
        return self.positions.get(symbol, ZERO)

    def worst_case_after(self, symbol: str, side: Side, quantity: Decimal) -> Decimal:
        """Signed position if every reserving order on `side`, plus this one, filled."""
        if side is Side.BUY:
            return self.position(symbol) + self.reserved_buy.get(symbol, ZERO) + quantity
        return self.position(symbol) - self.reserved_sell.get(symbol, ZERO) - quantity

    def with_reservation(self, r: Reservation, sign: int = 1) -> RiskSnapshot:
        """A snapshot with `r` added (sign=1) or taken away (sign=-1)."""
        book = dict(self.reserved_buy if r.side is Side.BUY else self.reserved_sell)
        book[r.symbol] = book.get(r.symbol, ZERO) + sign * r.remaining
        if r.side is Side.BUY:
            return RiskSnapshot(self.positions, book, self.reserved_sell, self.reference_prices)
        return RiskSnapshot(self.positions, self.reserved_buy, book, self.reference_prices)
