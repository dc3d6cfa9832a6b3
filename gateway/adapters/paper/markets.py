"""Default markets of the paper venue and step arithmetic on Decimal."""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from gateway.ports.exchange import Market


def _spot(base: str, amount_step: str) -> Market:
    # Filters as on Binance spot: 0.01 USDT ticks, 5 USDT minimum notional.
    step = Decimal(amount_step)
    return Market(
        symbol=f"{base}/USDT",
        base=base,
        quote="USDT",
        price_tick=Decimal("0.01"),
        amount_step=step,
        min_amount=step,
        min_notional=Decimal("5"),
    )


DEFAULT_MARKETS: dict[str, Market] = {
    m.symbol: m for m in (_spot("BTC", "0.00001"), _spot("ETH", "0.0001"), _spot("SOL", "0.001"))
}

DEFAULT_START_PRICES: dict[str, Decimal] = {
    "BTC/USDT": Decimal("95000"),
    "ETH/USDT": Decimal("3400"),
    "SOL/USDT": Decimal("180"),
}

DEFAULT_BALANCES: dict[str, Decimal] = {
    "USDT": Decimal("1000000"),
    "BTC": Decimal("10"),
    "ETH": Decimal("100"),
    "SOL": Decimal("1000"),
}


def floor_to(value: Decimal, step: Decimal) -> Decimal:
    return (value / step).to_integral_value(ROUND_FLOOR) * step


def ceil_to(value: Decimal, step: Decimal) -> Decimal:
    return (value / step).to_integral_value(ROUND_CEILING) * step


def is_multiple(value: Decimal, step: Decimal) -> bool:
    return value % step == 0


def quote(market: Market, mid: Decimal, spread_bps: Decimal) -> tuple[Decimal, Decimal]:
    """Bid and ask on the tick grid around `mid`, at least one tick apart."""
    half = mid * spread_bps / 20_000
    tick = market.price_tick
    bid = max(tick, floor_to(mid - half, tick))
    return bid, max(bid + tick, ceil_to(mid + half, tick))
