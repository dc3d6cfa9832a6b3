"""Default markets of the paper venue and step arithmetic on Decimal."""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from gateway.ports.exchange import Market


def _spot(base: str, amount_step: str, price: str = "100") -> Market:
    # Filters as on Binance spot: ticks of 0.01 USDT (finer for cheap coins, so a tick stays
    # well inside any price collar), 5 USDT minimum notional.
    step = Decimal(amount_step)
    tick = Decimal("0.01") if Decimal(price) >= 10 else Decimal("0.0001")
    return Market(
        symbol=f"{base}/USDT",
        base=base,
        quote="USDT",
        price_tick=tick,
        amount_step=step,
        min_amount=step,
        min_notional=Decimal("5"),
    )


# Twenty liquid spot pairs with Binance-like lot steps, and start prices near late 2025's.
_PAIRS: dict[str, tuple[str, str]] = {
    "BTC": ("0.00001", "95000"), "ETH": ("0.0001", "3400"), "SOL": ("0.001", "180"),
    "BNB": ("0.001", "650"), "XRP": ("0.1", "2.2"), "ADA": ("0.1", "0.75"),
    "DOGE": ("1", "0.22"), "AVAX": ("0.01", "28"), "DOT": ("0.01", "5.5"),
    "LINK": ("0.01", "17"), "LTC": ("0.001", "95"), "TRX": ("1", "0.27"),
    "ATOM": ("0.01", "6"), "NEAR": ("0.1", "3.5"), "UNI": ("0.01", "9"),
    "XLM": ("1", "0.35"), "FIL": ("0.01", "3.2"), "APT": ("0.01", "6.5"),
    "ARB": ("0.1", "0.55"), "POL": ("0.1", "0.3"),
}

DEFAULT_MARKETS: dict[str, Market] = {
    m.symbol: m for m in (_spot(base, step, price) for base, (step, price) in _PAIRS.items())
}

DEFAULT_START_PRICES: dict[str, Decimal] = {
    f"{base}/USDT": Decimal(price) for base, (_, price) in _PAIRS.items()
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
