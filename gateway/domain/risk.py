"""What a check sees: positions, the worst case of every reserving order, reference prices
with their age, the venue's rules, recent activity and the session's PnL.

The shell builds one snapshot per write batch (under the database lock) and narrows it per
proposal; the checks stay pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from decimal import Decimal
from typing import Any

from .markets import Market
from .money import exact
from .orders import Side

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Reservation:
    """The unfilled remainder of a pending, approved or open order."""

    order_id: str
    symbol: str
    side: Side
    remaining: Decimal
    producer: str = ""


@dataclass(frozen=True, slots=True)
class RecentOrder:
    """A recent proposal of the producer being checked (for the duplicate guard)."""

    symbol: str
    side: Side
    quantity: Decimal
    created_at: datetime
    idempotency_key: str | None


@dataclass(frozen=True, slots=True)
class Exposure:
    """Worst-case exposure across symbols: gross, and net if every long (or every short)
    side filled. `unpriced` are held symbols without a reference price (exposure unknown)."""

    gross: Decimal = ZERO
    net_long: Decimal = ZERO
    net_short: Decimal = ZERO
    unpriced: frozenset[str] = frozenset()

    def net(self) -> Decimal:
        return max(abs(self.net_long), abs(self.net_short))


def _contribution(long_: Decimal, short: Decimal, ref: Decimal | None,
                  symbol: str) -> Exposure:
    if long_ == 0 and short == 0:
        return Exposure()
    if ref is None:
        return Exposure(unpriced=frozenset({symbol}))
    return Exposure(max(abs(long_), abs(short)) * ref, long_ * ref, short * ref)


def _plus(a: Exposure, b: Exposure, sign: int = 1) -> Exposure:
    unpriced = a.unpriced | b.unpriced if sign > 0 else a.unpriced - b.unpriced
    return Exposure(a.gross + sign * b.gross, a.net_long + sign * b.net_long,
                    a.net_short + sign * b.net_short, unpriced)


@dataclass(frozen=True, slots=True)
class RiskSnapshot:
    positions: Mapping[str, Decimal] = field(default_factory=dict)
    reserved_buy: Mapping[str, Decimal] = field(default_factory=dict)
    reserved_sell: Mapping[str, Decimal] = field(default_factory=dict)
    reference_prices: Mapping[str, Decimal] = field(default_factory=dict)
    price_times: Mapping[str, datetime] = field(default_factory=dict)
    markets: Mapping[str, Market] = field(default_factory=dict)
    now: datetime | None = None
    open_orders: int = 0
    open_by_producer: Mapping[str, int] = field(default_factory=dict)
    recent_proposals: int = 0
    recent_by_producer: Mapping[str, int] = field(default_factory=dict)
    recent_orders: tuple[RecentOrder, ...] = ()
    session_pnl: Decimal | None = None
    drawdown: Decimal | None = None
    # Running totals kept in step by with_reservation; None: computed on demand.
    exposure_totals: Exposure | None = None
    # The venue this process is connected to (None: unknown), account equity at reference
    # prices (None: unknown), entry (average) prices of held positions, and the symbols the
    # stop watch has switched to reduce-only.
    venue: str | None = None
    equity: Decimal | None = None
    entry_prices: Mapping[str, Decimal] = field(default_factory=dict)
    stopped: frozenset[str] = frozenset()

    @classmethod
    def build(
        cls,
        positions: Mapping[str, Decimal],
        reservations: Iterable[Reservation],
        reference_prices: Mapping[str, Decimal],
        **context: Any,
    ) -> RiskSnapshot:
        buy: dict[str, Decimal] = {}
        sell: dict[str, Decimal] = {}
        by_producer: dict[str, int] = {}
        count = 0
        for r in reservations:
            book = buy if r.side is Side.BUY else sell
            book[r.symbol] = book.get(r.symbol, ZERO) + r.remaining
            by_producer[r.producer] = by_producer.get(r.producer, 0) + 1
            count += 1
        return cls(dict(positions), buy, sell, dict(reference_prices), open_orders=count,
                   open_by_producer=by_producer, **context)

    def position(self, symbol: str) -> Decimal:
        return self.positions.get(symbol, ZERO)

    # The next four run for several checks of every proposal: each reads the position itself
    # rather than through position() (a call costs as much as the arithmetic here).

    def worst_case_after(self, symbol: str, side: Side, quantity: Decimal) -> Decimal:
        """Signed position if every reserving order on `side`, plus this one, filled."""
        if side is Side.BUY:
            return (self.positions.get(symbol, ZERO) + self.reserved_buy.get(symbol, ZERO)
                    + quantity)
        return (self.positions.get(symbol, ZERO) - self.reserved_sell.get(symbol, ZERO)
                - quantity)

    def worst_long(self, symbol: str) -> Decimal:
        return self.positions.get(symbol, ZERO) + self.reserved_buy.get(symbol, ZERO)

    def worst_short(self, symbol: str) -> Decimal:
        return self.positions.get(symbol, ZERO) - self.reserved_sell.get(symbol, ZERO)

    def is_reducing(self, symbol: str, side: Side, quantity: Decimal) -> bool:
        """True when the order, even if every same-side order fills first, only shrinks the
        position toward zero without crossing it."""
        pos = self.positions.get(symbol, ZERO)
        if side is Side.BUY:
            after = pos + self.reserved_buy.get(symbol, ZERO) + quantity
            return pos < 0 and after <= 0
        after = pos - self.reserved_sell.get(symbol, ZERO) - quantity
        return pos > 0 and after >= 0

    def symbols(self) -> set[str]:
        return set(self.positions) | set(self.reserved_buy) | set(self.reserved_sell)

    def contribution(self, symbol: str) -> Exposure:
        return _contribution(self.worst_long(symbol), self.worst_short(symbol),
                             self.reference_prices.get(symbol), symbol)

    def exposure(self) -> Exposure:
        """Totals over every symbol (O(1) when kept in step, O(symbols) otherwise)."""
        if self.exposure_totals is not None:
            return self.exposure_totals
        total = Exposure()
        for symbol in self.symbols():
            total = _plus(total, self.contribution(symbol))
        return total

    def evolve(self, **changes: Any) -> RiskSnapshot:
        """`dataclasses.replace`, without its per-call introspection: the writer narrows and
        extends a snapshot for every proposal, and this is several times faster."""
        new = object.__new__(RiskSnapshot)
        for name in _FIELDS:
            value = changes.pop(name) if name in changes else getattr(self, name)
            object.__setattr__(new, name, value)
        if changes:
            raise TypeError(f"RiskSnapshot has no field {', '.join(sorted(changes))}")
        return new

    @exact
    def with_exposure(self) -> RiskSnapshot:
        """This snapshot with its exposure totals computed once, to be kept in step."""
        return self.evolve(exposure_totals=self.exposure())

    @exact
    def with_reservation(self, r: Reservation, sign: int = 1) -> RiskSnapshot:
        """A snapshot with `r` added (sign=1) or taken away (sign=-1)."""
        buy = r.side is Side.BUY
        book = dict(self.reserved_buy if buy else self.reserved_sell)
        book[r.symbol] = book.get(r.symbol, ZERO) + sign * r.remaining
        by_producer = dict(self.open_by_producer)
        by_producer[r.producer] = by_producer.get(r.producer, 0) + sign
        changes: dict[str, Any] = {
            "reserved_buy" if buy else "reserved_sell": book,
            "open_orders": self.open_orders + sign, "open_by_producer": by_producer,
        }
        if self.exposure_totals is not None:
            # Only r's symbol changes: take its old contribution out, put its new one in.
            pos, ref = self.position(r.symbol), self.reference_prices.get(r.symbol)
            long_, short = self.worst_long(r.symbol), self.worst_short(r.symbol)
            totals = _plus(self.exposure_totals, _contribution(long_, short, ref, r.symbol), -1)
            if buy:
                long_ = pos + book[r.symbol]
            else:
                short = pos - book[r.symbol]
            changes["exposure_totals"] = _plus(totals,
                                               _contribution(long_, short, ref, r.symbol))
        return self.evolve(**changes)

    def with_proposal_counted(self, producer: str) -> RiskSnapshot:
        """Throttle counts after one more proposal from `producer` (passing or not)."""
        by_producer = dict(self.recent_by_producer)
        by_producer[producer] = by_producer.get(producer, 0) + 1
        return self.evolve(recent_proposals=self.recent_proposals + 1,
                           recent_by_producer=by_producer)


_FIELDS = tuple(f.name for f in fields(RiskSnapshot))
