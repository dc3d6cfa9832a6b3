"""Builders shared by the domain tests: small, explicit, no hidden defaults that matter."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from gateway.domain.limits import Limits, parse_limits
from gateway.domain.orders import OrderType, Proposal, Side
from gateway.domain.risk import RiskSnapshot

D = Decimal
REPO_ROOT = Path(__file__).resolve().parents[3]
REPO_LIMITS = REPO_ROOT / "limits.yaml"

# The smallest step parse_decimal admits (18 fractional digits).
STEP = D("0.000000000000000001")


def limits(
    *,
    max_order_notional: str = "25000",
    symbols: dict[str, dict[str, str]] | None = None,
    quote_currency: str = "USDT",
) -> Limits:
    """A validated Limits built through the same model the YAML goes through."""
    if symbols is None:
        symbols = {
            "BTC/USDT": {"max_position": "0.5", "max_order_notional": "20000"},
            "ETH/USDT": {"max_position": "8"},
        }
    return Limits.model_validate(
        {
            "quote_currency": quote_currency,
            "max_order_notional": max_order_notional,
            "symbols": symbols,
        }
    )


def repo_limits() -> Limits:
    parsed, _version = parse_limits(REPO_LIMITS.read_text(), str(REPO_LIMITS))
    return parsed


def proposal(
    symbol: str = "BTC/USDT",
    side: Side = Side.BUY,
    quantity: str | Decimal = "0.1",
    limit_price: str | Decimal | None = "30000",
    type: OrderType | None = None,
) -> Proposal:
    price = None if limit_price is None else D(limit_price)
    if type is None:
        type = OrderType.LIMIT if price is not None else OrderType.MARKET
    return Proposal(
        producer="bot-1",
        symbol=symbol,
        side=side,
        type=type,
        quantity=D(quantity),
        limit_price=price,
    )


def snapshot(
    positions: dict[str, str] | None = None,
    reserved_buy: dict[str, str] | None = None,
    reserved_sell: dict[str, str] | None = None,
    reference_prices: dict[str, str] | None = None,
) -> RiskSnapshot:
    def dec(m: dict[str, str] | None) -> dict[str, Decimal]:
        return {k: D(v) for k, v in (m or {}).items()}

    return RiskSnapshot(
        positions=dec(positions),
        reserved_buy=dec(reserved_buy),
        reserved_sell=dec(reserved_sell),
        reference_prices=dec(reference_prices),
    )
