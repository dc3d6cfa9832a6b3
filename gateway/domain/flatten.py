"""Flatten: the reduce-only orders that close positions after a halt (`gateway halt
--flatten`). Pure: a plan from positions, reserving orders, prices, venue rules and limits.

Each leg is a marketable limit order on the reducing side, priced half the price collar
through the reference price (so it crosses the book yet stays inside the collar), sized to
what is not already covered by orders on that side, rounded down to the venue's step, and
split so that every leg fits the per-order caps. The legs are then checked like any order
with reduce-only forced on (`flatten_limits`), at planning and again when each is claimed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from .limits import Limits
from .money import exact
from .orders import OrderType, Proposal, Side
from .risk import RiskSnapshot

MAX_LEGS_PER_SYMBOL = 50
ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class FlattenLeg:
    symbol: str
    side: Side
    quantity: Decimal
    limit_price: Decimal

    def proposal(self, producer: str) -> Proposal:
        return Proposal(producer, self.symbol, self.side, OrderType.LIMIT, self.quantity,
                        self.limit_price)


@dataclass(frozen=True, slots=True)
class Leftover:
    """Part of a position the plan cannot close now, and why."""

    symbol: str
    quantity: Decimal
    why: str


@dataclass(frozen=True, slots=True)
class FlattenPlan:
    legs: tuple[FlattenLeg, ...]
    left: tuple[Leftover, ...]


def flatten_limits(limits: Limits) -> Limits:
    """The limits a flatten order must pass: all of them, with reduce-only on everywhere."""
    return limits.model_copy(update={"reduce_only": True})


def _step_down(value: Decimal, step: Decimal | None) -> Decimal:
    if step is None or step <= 0:
        return value
    return (value / step).to_integral_value(ROUND_FLOOR) * step


def _price(ref: Decimal, side: Side, collar_bps: Decimal, tick: Decimal | None) -> Decimal:
    offset = ref * collar_bps / Decimal(20_000)  # half the collar
    raw = ref - offset if side is Side.SELL else ref + offset
    if tick is None or tick <= 0:
        return raw
    # Round toward the reference price, so rounding never takes the price out of the collar.
    mode = ROUND_CEILING if side is Side.SELL else ROUND_FLOOR
    return (raw / tick).to_integral_value(mode) * tick


def _leg_cap(symbol: str, price: Decimal, limits: Limits, step: Decimal | None) -> Decimal:
    s = limits.symbols[symbol]
    notional_cap = limits.max_order_notional
    if s.max_order_notional is not None:
        notional_cap = min(notional_cap, s.max_order_notional)
    cap = notional_cap / price
    if s.max_quantity is not None:
        cap = min(cap, s.max_quantity)
    return _step_down(cap, step)


def _minimum(symbol: str, price: Decimal, limits: Limits, snap: RiskSnapshot) -> Decimal:
    floor = limits.symbols[symbol].min_quantity or ZERO
    market = snap.markets.get(symbol)
    if market is not None:
        floor = max(floor, market.min_amount, market.min_notional / price)
    return floor


@exact
def plan_symbol(symbol: str, limits: Limits, snap: RiskSnapshot) -> FlattenPlan:
    position = snap.position(symbol)
    if position == 0:
        return FlattenPlan((), ())
    side = Side.SELL if position > 0 else Side.BUY
    covered = (snap.reserved_sell if side is Side.SELL else snap.reserved_buy).get(symbol, ZERO)
    open_ = abs(position) - covered

    def left(why: str, qty: Decimal = abs(position)) -> FlattenPlan:
        return FlattenPlan((), (Leftover(symbol, qty, why),))

    if open_ <= 0:
        return left("already covered by pending or open orders that reduce it")
    if symbol not in limits.symbols:
        return left("not in the limits in force: no order can pass for it")
    ref = snap.reference_prices.get(symbol)
    if ref is None or ref <= 0:
        return left("no reference price: cannot price a closing order", open_)
    market = snap.markets.get(symbol)
    step = market.amount_step if market else None
    price = _price(ref, side, limits.price_collar_bps, market.price_tick if market else None)
    quantity = _step_down(open_, step)
    cap = _leg_cap(symbol, price, limits, step)
    floor = _minimum(symbol, price, limits, snap)
    if cap <= 0 or cap < floor:
        return left("the per-order caps leave no order size the venue accepts", open_)
    legs: list[FlattenLeg] = []
    while quantity >= floor and quantity > 0 and len(legs) < MAX_LEGS_PER_SYMBOL:
        size = min(quantity, cap)
        legs.append(FlattenLeg(symbol, side, size, price))
        quantity -= size
    rest = open_ - sum((leg.quantity for leg in legs), ZERO)
    leftovers: tuple[Leftover, ...] = ()
    if rest > 0:
        why = (f"more than {MAX_LEGS_PER_SYMBOL} orders needed: flatten again once these fill"
               if len(legs) == MAX_LEGS_PER_SYMBOL
               else "below the smallest order the limits and the venue accept")
        leftovers = (Leftover(symbol, rest, why),)
    return FlattenPlan(tuple(legs), leftovers)


def plan_flatten(limits: Limits, snap: RiskSnapshot,
                 symbols: Iterable[str] | None = None) -> FlattenPlan:
    """Legs closing every position (or those of `symbols`), and what they cannot close."""
    wanted = sorted(set(symbols) if symbols is not None else set(snap.positions))
    parts = [plan_symbol(s, limits, snap) for s in wanted]
    return FlattenPlan(tuple(leg for p in parts for leg in p.legs),
                       tuple(x for p in parts for x in p.left))
