"""positions.apply_fill: average cost, realized PnL on reductions, fees, and conservation."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from gateway.domain.orders import Side
from gateway.domain.positions import Position, apply_fill

D = Decimal
BUY, SELL = Side.BUY, Side.SELL
SYMBOL = "BTC/USDT"


def pos(quantity: str = "0", average: str | None = None, realized: str = "0") -> Position:
    return Position(SYMBOL, D(quantity), None if average is None else D(average), D(realized))


@pytest.mark.parametrize(
    ("start", "side", "quantity", "price", "quantity_after", "average_after", "realized_after"),
    [
        # open
        pytest.param(pos(), BUY, "2", "100", "2", "100", "0", id="open-long"),
        pytest.param(pos(), SELL, "2", "100", "-2", "100", "0", id="open-short"),
        pytest.param(pos(), BUY, "0.015", "30000.5", "0.015", "30000.5", "0", id="open-fractional"),
        # add: the average moves toward the fill price
        pytest.param(pos("2", "100"), BUY, "2", "110", "4", "105", "0", id="add-long"),
        pytest.param(pos("-2", "100"), SELL, "2", "90", "-4", "95", "0", id="add-short"),
        pytest.param(pos("1", "100"), BUY, "3", "200", "4", "175", "0", id="add-long-weighted"),
        # reduce: the average stays, the difference is realized
        pytest.param(pos("4", "105"), SELL, "1", "120", "3", "105", "15", id="reduce-long-gain"),
        pytest.param(pos("2", "100"), SELL, "1", "90", "1", "100", "-10", id="reduce-long-loss"),
        pytest.param(pos("-4", "95"), BUY, "1", "80", "-3", "95", "15", id="reduce-short-gain"),
        pytest.param(pos("-2", "100"), BUY, "1", "130", "-1", "100", "-30", id="reduce-short-loss"),
        pytest.param(
            pos("2", "100", "7"), SELL, "1", "101", "1", "100", "8", id="reduce-keeps-earlier-pnl"
        ),
        # close: flat again, no average
        pytest.param(pos("2", "100"), SELL, "2", "110", "0", None, "20", id="close-long"),
        pytest.param(pos("-2", "100"), BUY, "2", "110", "0", None, "-20", id="close-short"),
        # flip: close the old side, open the rest at this fill's price
        pytest.param(pos("1", "100"), SELL, "3", "110", "-2", "110", "10", id="flip-long-to-short"),
        pytest.param(pos("-1", "100"), BUY, "3", "90", "2", "90", "10", id="flip-short-to-long"),
    ],
)
def test_apply_fill_opens_adds_reduces_closes_and_flips(
    start: Position,
    side: Side,
    quantity: str,
    price: str,
    quantity_after: str,
    average_after: str | None,
    realized_after: str,
) -> None:
    # Act
    after = apply_fill(start, side, D(quantity), D(price))

    # Assert
    assert after.symbol == SYMBOL
    assert after.quantity == D(quantity_after)
    assert after.average_price == (None if average_after is None else D(average_after))
    assert after.realized_pnl == D(realized_after)


@pytest.mark.parametrize(
    ("start", "side", "quantity", "price", "fee", "realized_after"),
    [
        pytest.param(pos(), BUY, "1", "100", "0.1", "-0.1", id="fee-on-open"),
        pytest.param(pos("2", "100"), BUY, "1", "100", "0.25", "-0.25", id="fee-on-add"),
        pytest.param(pos("2", "100"), SELL, "1", "110", "0.5", "9.5", id="fee-on-reduce"),
        pytest.param(pos("2", "100"), SELL, "2", "100", "0.2", "-0.2", id="fee-on-flat-close"),
        pytest.param(pos("1", "100"), SELL, "3", "110", "1", "9", id="fee-on-flip"),
        pytest.param(pos("0", None, "5"), BUY, "1", "1", "0.000001", "4.999999", id="tiny-fee"),
    ],
)
def test_fees_reduce_realized_pnl_and_leave_the_average_alone(
    start: Position, side: Side, quantity: str, price: str, fee: str, realized_after: str
) -> None:
    # Act
    with_fee = apply_fill(start, side, D(quantity), D(price), D(fee))
    without_fee = apply_fill(start, side, D(quantity), D(price))

    # Assert
    assert with_fee.realized_pnl == D(realized_after)
    assert with_fee.realized_pnl == without_fee.realized_pnl - D(fee)
    assert (with_fee.quantity, with_fee.average_price) == (
        without_fee.quantity,
        without_fee.average_price,
    )


@pytest.mark.parametrize(
    ("quantity", "price"),
    [("0", "100"), ("-1", "100"), ("1", "0"), ("1", "-100"), ("0", "0")],
)
def test_apply_fill_refuses_a_zero_or_negative_quantity_or_price(quantity: str, price: str) -> None:
    start = pos("1", "100")

    with pytest.raises(ValueError, match="positive quantity and price"):
        apply_fill(start, BUY, D(quantity), D(price))

    assert start == pos("1", "100")  # untouched


def test_apply_fill_returns_a_new_position_and_leaves_the_old_one_alone() -> None:
    start = pos("1", "100")

    after = apply_fill(start, BUY, D("1"), D("200"))

    assert start == pos("1", "100")
    assert after is not start


@pytest.mark.parametrize(
    ("position", "mark", "unrealized"),
    [
        (pos(), D("100"), D("0")),
        (pos(), None, D("0")),
        (pos("2", "100"), D("110"), D("20")),
        (pos("-2", "100"), D("110"), D("-20")),
        (pos("0.5", "30000"), D("29000.5"), D("-499.75")),
        (pos("2", "100"), None, None),
    ],
)
def test_unrealized_pnl_is_the_mark_against_the_average(
    position: Position, mark: Decimal | None, unrealized: Decimal | None
) -> None:
    assert position.unrealized(mark) == unrealized


# --- properties ------------------------------------------------------------------------------

quantities = st.decimals(
    min_value=D("0.00000001"), max_value=D("1000"), places=8, allow_nan=False, allow_infinity=False
)
prices = st.decimals(
    min_value=D("0.01"), max_value=D("100000"), places=2, allow_nan=False, allow_infinity=False
)
fees = st.decimals(
    min_value=D("0"), max_value=D("10"), places=8, allow_nan=False, allow_infinity=False
)
fills = st.tuples(st.sampled_from([BUY, SELL]), quantities, prices, fees)
Fill = tuple[Side, Decimal, Decimal, Decimal]
FILL_COUNTS = st.integers(min_value=0, max_value=30)
SIDES = st.sampled_from([BUY, SELL])


def replay(sequence: list[Fill]) -> Position:
    position = Position(SYMBOL)
    for side, quantity, price, fee in sequence:
        position = apply_fill(position, side, quantity, price, fee)
    return position


def cash_flow_at(sequence: list[Fill], mark: Decimal) -> Decimal:
    """What the fills did to the account, with what is still held valued at `mark`."""
    cash = sum((-q * side.sign * price - fee for side, q, price, fee in sequence), D(0))
    held = sum((quantity * side.sign for side, quantity, _, _ in sequence), D(0))
    return cash + held * mark


def total_pnl_at(position: Position, mark: Decimal) -> Decimal:
    unrealized = position.unrealized(mark)
    assert unrealized is not None
    return position.realized_pnl + unrealized


@settings(max_examples=100, deadline=None)
@given(st.lists(fills, max_size=30))
def test_quantity_is_the_signed_sum_of_the_fills(sequence: list[Fill]) -> None:
    position = replay(sequence)

    assert position.quantity == sum((q * side.sign for side, q, _, _ in sequence), D(0))
    assert (position.average_price is None) == (position.quantity == 0)
    if position.average_price is not None:
        assert position.average_price > 0


@settings(max_examples=100, deadline=None)
@given(st.lists(fills, max_size=30), prices)
def test_pnl_is_conserved_up_to_decimal_rounding_of_the_average(
    sequence: list[Fill], mark: Decimal
) -> None:
    # Arrange: the average price is a quotient, rounded to Decimal's 28 digits.
    held = abs(replay(sequence).quantity)
    gross = sum((q * p + f for _, q, p, f in sequence), D(0)) + held * mark

    # Act
    drift = total_pnl_at(replay(sequence), mark) - cash_flow_at(sequence, mark)

    # Assert
    assert abs(drift) <= D("1e-20") * (1 + gross)


@st.composite
def fills_that_never_average_in(draw: st.DrawFn) -> list[Fill]:
    """Each fill opens from flat, or reduces, closes or flips: the average is always a price."""
    sequence: list[Fill] = []
    held = D(0)
    for _ in range(draw(FILL_COUNTS)):
        # From flat either way; otherwise always against the position.
        side = draw(SIDES) if held == 0 else (SELL if held > 0 else BUY)
        fill = (side, draw(quantities), draw(prices), draw(fees))
        sequence.append(fill)
        held += fill[1] * side.sign
    return sequence


@settings(max_examples=100, deadline=None)
@given(fills_that_never_average_in(), prices)
def test_pnl_is_conserved_exactly_when_no_fill_averages_in(
    sequence: list[Fill], mark: Decimal
) -> None:
    position = replay(sequence)

    assert total_pnl_at(position, mark) == cash_flow_at(sequence, mark)


@pytest.mark.xfail(
    strict=True,
    reason="Position keeps only a rounded average price (total_cost / |qty| in Decimal's "
    "28-digit context), so after buying 1 @ 1 and 2 @ 2 the average is "
    "1.666666666666666666666666667 and realized + unrealized misses the cash flow by 1e-27. "
    "Exact conservation needs the cost basis stored, not the average.",
)
@settings(max_examples=100, deadline=None)
@example(sequence=[(BUY, D("1"), D("1"), D("0")), (BUY, D("2"), D("2"), D("0"))], mark=D("2"))
@given(st.lists(fills, max_size=30), prices)
def test_pnl_is_conserved_exactly_for_any_fills(sequence: list[Fill], mark: Decimal) -> None:
    position = replay(sequence)

    assert total_pnl_at(position, mark) == cash_flow_at(sequence, mark)
