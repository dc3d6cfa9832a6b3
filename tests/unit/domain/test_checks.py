"""Each check at its boundaries: exactly at the limit passes, one smallest step over fails."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gateway.domain.checks.max_order_notional import check_max_order_notional
from gateway.domain.checks.max_position import check_max_position
from gateway.domain.checks.order_shape import check_order_shape
from gateway.domain.checks.symbol_allowlist import check_symbol_allowlist
from gateway.domain.orders import OrderType, Side

from .support import STEP, limits, proposal, snapshot

D = Decimal
BUY, SELL = Side.BUY, Side.SELL

# BTC/USDT: max_position 0.5, per-symbol notional 20000 (global 25000).
# ETH/USDT: max_position 8, no per-symbol notional (global 25000 applies).
LIMITS = limits()


# --- symbol_allowlist ----------------------------------------------------------------------


@pytest.mark.parametrize("symbol", ["BTC/USDT", "ETH/USDT"])
def test_symbol_allowlist_passes_an_allowlisted_symbol(symbol: str) -> None:
    result = check_symbol_allowlist(proposal(symbol=symbol), LIMITS, snapshot())

    assert result.passed
    assert result.name == "symbol_allowlist"
    assert (result.observed, result.limit) == (symbol, "allowlisted")


@pytest.mark.parametrize(
    "symbol",
    [
        pytest.param("DOGE/USDT", id="not-listed"),
        pytest.param("btc/usdt", id="lower-case"),
        pytest.param("BTC-USDT", id="dash"),
        pytest.param("BTCUSDT", id="no-separator"),
        pytest.param("BTC/USDT ", id="trailing-space"),
        pytest.param(" BTC/USDT", id="leading-space"),
        pytest.param("BTC/USDT\n", id="trailing-newline"),
        pytest.param("\u0412\u0422\u0421/USDT", id="cyrillic-lookalike"),
        pytest.param("", id="empty"),
    ],
)
def test_symbol_allowlist_refuses_anything_but_an_exact_match(symbol: str) -> None:
    # Act
    result = check_symbol_allowlist(proposal(symbol=symbol), LIMITS, snapshot())

    # Assert
    assert not result.passed
    assert result.observed == symbol
    assert repr(symbol) in result.message
    assert "allowed: BTC/USDT, ETH/USDT" in result.message


# --- order_shape ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("quantity", "limit_price", "order_type"),
    [
        ("0.1", "30000", OrderType.LIMIT),
        (STEP, STEP, OrderType.LIMIT),  # the smallest positive amounts
        ("0.1", None, OrderType.MARKET),
    ],
)
def test_order_shape_passes_a_well_formed_order(
    quantity: str | Decimal, limit_price: str | Decimal | None, order_type: OrderType
) -> None:
    p = proposal(quantity=quantity, limit_price=limit_price, type=order_type)

    result = check_order_shape(p, LIMITS, snapshot())

    assert result.passed
    assert result.observed == order_type.value


@pytest.mark.parametrize(
    ("quantity", "limit_price", "order_type", "message"),
    [
        pytest.param("0", "30000", OrderType.LIMIT, "quantity", id="zero-quantity"),
        pytest.param("-0.1", "30000", OrderType.LIMIT, "quantity", id="negative-quantity"),
        pytest.param("NaN", "30000", OrderType.LIMIT, "quantity", id="nan-quantity"),
        pytest.param("Infinity", "30000", OrderType.LIMIT, "quantity", id="infinite-quantity"),
        pytest.param("0.1", None, OrderType.LIMIT, "needs limit_price", id="limit-without-price"),
        pytest.param("0.1", "0", OrderType.LIMIT, "limit_price", id="zero-price"),
        pytest.param("0.1", "-1", OrderType.LIMIT, "limit_price", id="negative-price"),
        pytest.param("0.1", "NaN", OrderType.LIMIT, "limit_price", id="nan-price"),
        pytest.param("0.1", "30000", OrderType.MARKET, "must not carry", id="market-with-price"),
    ],
)
def test_order_shape_refuses_a_malformed_order(
    quantity: str, limit_price: str | None, order_type: OrderType, message: str
) -> None:
    p = proposal(quantity=quantity, limit_price=limit_price, type=order_type)

    result = check_order_shape(p, LIMITS, snapshot())

    assert not result.passed
    assert message in result.message


# --- max_order_notional --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("symbol", "quantity", "price", "passed", "cap"),
    [
        # BTC: the per-symbol 20000 is tighter than the global 25000.
        pytest.param("BTC/USDT", "1", "20000", True, "20000", id="btc-exactly-at-cap"),
        pytest.param("BTC/USDT", "1", D("20000") + STEP, False, "20000", id="btc-price-one-step"),
        pytest.param("BTC/USDT", "0.5", "40000", True, "20000", id="btc-half-at-cap"),
        pytest.param("BTC/USDT", D("0.5") + STEP, "40000", False, "20000", id="btc-qty-one-step"),
        pytest.param("BTC/USDT", "1", "20000.01", False, "20000", id="btc-under-global-over-own"),
        # ETH: no per-symbol cap, so the global 25000 applies.
        pytest.param("ETH/USDT", "10", "2500", True, "25000", id="eth-exactly-at-global"),
        pytest.param("ETH/USDT", "1", D("25000") + STEP, False, "25000", id="eth-one-step-over"),
        pytest.param("ETH/USDT", "1", "20000.01", True, "25000", id="eth-not-bound-by-btc-cap"),
    ],
)
def test_max_order_notional_boundaries(
    symbol: str, quantity: str | Decimal, price: str | Decimal, passed: bool, cap: str
) -> None:
    # Arrange
    p = proposal(symbol=symbol, quantity=quantity, limit_price=price)

    # Act
    result = check_max_order_notional(p, LIMITS, snapshot())

    # Assert
    assert result.passed is passed
    assert result.observed == D(quantity) * D(price)
    assert result.limit == D(cap)


def test_max_order_notional_refusal_names_notional_cap_and_currency() -> None:
    p = proposal(symbol="BTC/USDT", quantity="1", limit_price="20000.5")

    result = check_max_order_notional(p, LIMITS, snapshot())

    assert not result.passed
    assert "20000.5 USDT" in result.message
    assert "cap 20000" in result.message


def test_max_order_notional_per_symbol_cap_looser_than_global_does_not_raise_the_cap() -> None:
    lim = limits(symbols={"BTC/USDT": {"max_position": "1", "max_order_notional": "90000"}})
    p = proposal(quantity="1", limit_price=D("25000") + STEP)

    result = check_max_order_notional(p, lim, snapshot())

    assert not result.passed
    assert result.limit == D("25000")


def test_max_order_notional_values_an_unlisted_symbol_at_the_global_cap() -> None:
    p = proposal(symbol="DOGE/USDT", quantity="100000", limit_price="0.25")

    result = check_max_order_notional(p, LIMITS, snapshot())

    assert result.passed
    assert (result.observed, result.limit) == (D("25000"), D("25000"))


@pytest.mark.parametrize(
    ("reference", "passed"),
    [("40000", True), (D("40000") + STEP, False)],
    ids=["exactly-at-cap", "one-step-over"],
)
def test_max_order_notional_values_a_market_order_at_the_reference_price(
    reference: str | Decimal, passed: bool
) -> None:
    p = proposal(quantity="0.5", limit_price=None)
    snap = snapshot(reference_prices={"BTC/USDT": str(reference)})

    result = check_max_order_notional(p, LIMITS, snap)

    assert result.passed is passed
    assert result.observed == D("0.5") * D(reference)


@pytest.mark.parametrize(
    "reference_prices",
    [{}, {"ETH/USDT": "2000"}],
    ids=["no-prices", "other-symbol-only"],
)
def test_max_order_notional_fails_closed_for_a_market_order_without_a_reference_price(
    reference_prices: dict[str, str],
) -> None:
    p = proposal(quantity="0.0001", limit_price=None)

    result = check_max_order_notional(p, LIMITS, snapshot(reference_prices=reference_prices))

    assert not result.passed
    assert result.observed is None
    assert result.limit == D("20000")
    assert "no price" in result.message


def test_max_order_notional_values_a_limit_order_at_its_limit_not_the_reference() -> None:
    p = proposal(quantity="1", limit_price="19000")
    snap = snapshot(reference_prices={"BTC/USDT": "90000"})

    result = check_max_order_notional(p, LIMITS, snap)

    assert result.passed
    assert result.observed == D("19000")


# --- max_position --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("side", "quantity", "snap_kwargs", "passed", "observed"),
    [
        pytest.param(BUY, "0.5", {}, True, "0.5", id="buy-from-flat-exactly-at-limit"),
        pytest.param(BUY, D("0.5") + STEP, {}, False, D("0.5") + STEP, id="buy-one-step-over"),
        pytest.param(SELL, "0.5", {}, True, "-0.5", id="sell-from-flat-exactly-at-limit"),
        pytest.param(SELL, D("0.5") + STEP, {}, False, -(D("0.5") + STEP), id="sell-one-step"),
        pytest.param(
            BUY,
            "0.2",
            {"positions": {"BTC/USDT": "0.3"}},
            True,
            "0.5",
            id="adds-to-position",
        ),
        pytest.param(
            BUY,
            D("0.2") + STEP,
            {"positions": {"BTC/USDT": "0.3"}},
            False,
            D("0.5") + STEP,
            id="adds-one-step-over",
        ),
        pytest.param(
            SELL,
            "1",
            {"positions": {"BTC/USDT": "0.5"}},
            True,
            "-0.5",
            id="flips-to-limit",
        ),
        pytest.param(
            BUY,
            "0.5",
            {"positions": {"ETH/USDT": "8", "BTC/USDT": "0"}},
            True,
            "0.5",
            id="other-symbols-do-not-count",
        ),
    ],
)
def test_max_position_boundaries(
    side: Side,
    quantity: str | Decimal,
    snap_kwargs: dict[str, dict[str, str]],
    passed: bool,
    observed: str | Decimal,
) -> None:
    # Arrange
    p = proposal(side=side, quantity=quantity)

    # Act
    result = check_max_position(p, LIMITS, snapshot(**snap_kwargs))

    # Assert
    assert result.passed is passed
    assert result.observed == D(observed)
    assert result.limit == D("0.5")


@pytest.mark.parametrize(
    ("side", "quantity", "reserved_buy", "reserved_sell", "passed", "observed"),
    [
        pytest.param(BUY, "0.2", "0.3", "0", True, "0.5", id="buy-counts-pending-buys"),
        pytest.param(
            BUY,
            D("0.2") + STEP,
            "0.3",
            "0",
            False,
            D("0.5") + STEP,
            id="buy-one-step-over-with-pending-buys",
        ),
        pytest.param(BUY, "0.5", "0", "0.4", True, "0.5", id="pending-sells-do-not-offset-a-buy"),
        pytest.param(
            BUY,
            "0.6",
            "0",
            "5",
            False,
            "0.6",
            id="pending-sells-never-make-room-for-buys",
        ),
        pytest.param(SELL, "0.2", "0", "0.3", True, "-0.5", id="sell-counts-pending-sells"),
        pytest.param(
            SELL,
            D("0.2") + STEP,
            "0",
            "0.3",
            False,
            -(D("0.5") + STEP),
            id="sell-one-step-over-with-pending-sells",
        ),
        pytest.param(
            SELL,
            "0.5",
            "0.5",
            "0",
            True,
            "-0.5",
            id="pending-buys-do-not-block-a-sell",
        ),
    ],
)
def test_max_position_counts_reservations_on_the_same_side_only(
    side: Side,
    quantity: str | Decimal,
    reserved_buy: str,
    reserved_sell: str,
    passed: bool,
    observed: str | Decimal,
) -> None:
    # Arrange
    snap = snapshot(
        reserved_buy={"BTC/USDT": reserved_buy}, reserved_sell={"BTC/USDT": reserved_sell}
    )

    # Act
    result = check_max_position(proposal(side=side, quantity=quantity), LIMITS, snap)

    # Assert
    assert result.passed is passed
    assert result.observed == D(observed)


@pytest.mark.parametrize(
    ("side", "quantity", "passed", "observed"),
    [
        pytest.param(SELL, "1", True, "1", id="partial-reduction"),
        pytest.param(SELL, STEP, True, D("2") - STEP, id="smallest-reduction"),
        pytest.param(SELL, "2", True, "0", id="close-out"),
        pytest.param(SELL, "2.5", True, "-0.5", id="flip-to-within-the-limit"),
        pytest.param(BUY, STEP, False, D("2") + STEP, id="any-growth-is-refused"),
    ],
)
def test_max_position_allows_reducing_a_position_that_is_over_the_limit(
    side: Side, quantity: str | Decimal, passed: bool, observed: str | Decimal
) -> None:
    # Arrange: long 2 BTC, e.g. after the limit was lowered to 0.5.
    snap = snapshot(positions={"BTC/USDT": "2"})

    # Act
    result = check_max_position(proposal(side=side, quantity=quantity), LIMITS, snap)

    # Assert
    assert result.passed is passed
    assert result.observed == D(observed)
    assert result.limit == D("0.5")


def test_max_position_refusal_reports_the_worst_case_and_the_limit() -> None:
    snap = snapshot(positions={"BTC/USDT": "0.4"}, reserved_buy={"BTC/USDT": "0.05"})

    result = check_max_position(proposal(quantity="0.1"), LIMITS, snap)

    assert not result.passed
    assert result.observed == D("0.55")
    assert "0.55" in result.message
    assert "±0.5" in result.message


def test_max_position_refuses_a_symbol_without_limits() -> None:
    result = check_max_position(proposal(symbol="DOGE/USDT", quantity="1"), LIMITS, snapshot())

    assert not result.passed
    assert (result.observed, result.limit) == (None, None)


# --- regressions: each of these once passed an order it must refuse ----------------------


@pytest.mark.parametrize(
    ("quantity", "reserved_sell"),
    [("2.6", "0"), ("1.5", "2.5")],
    ids=["single-sell-flips-to-short-0.6", "sell-on-top-of-pending-sells-to-short-2"],
)
def test_max_position_refuses_a_flip_that_lands_beyond_the_limit_on_the_other_side(
    quantity: str, reserved_sell: str
) -> None:
    snap = snapshot(positions={"BTC/USDT": "2"}, reserved_sell={"BTC/USDT": reserved_sell})

    result = check_max_position(proposal(side=SELL, quantity=quantity), LIMITS, snap)

    assert not result.passed


def test_max_order_notional_refuses_one_step_over_even_past_28_significant_digits() -> None:
    p = proposal(
        symbol="ETH/USDT", quantity="0.000001", limit_price="25000000000.000000000000000001"
    )

    result = check_max_order_notional(p, LIMITS, snapshot())

    assert not result.passed


def test_max_position_refuses_one_step_over_even_past_28_significant_digits() -> None:
    lim = limits(
        max_order_notional="99999999999999999999",
        symbols={"ETH/USDT": {"max_position": "10000000000"}},
    )
    p = proposal(symbol="ETH/USDT", quantity="10000000000.000000000000000001", limit_price="1")

    result = check_max_position(p, lim, snapshot())

    assert not result.passed
