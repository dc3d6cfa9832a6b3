"""risk.RiskSnapshot: reservations aggregated per symbol and side; adding and undoing them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.domain.orders import Side
from gateway.domain.risk import Reservation, RiskSnapshot

D = Decimal
BUY, SELL = Side.BUY, Side.SELL
SYMBOLS = ["BTC/USDT", "ETH/USDT", "SOL/USDT"]


def effective(snap: RiskSnapshot) -> dict[tuple[str, Side], Decimal]:
    """Reserved amounts as the checks see them (a missing symbol reads as zero)."""
    return {
        (symbol, side): (snap.reserved_buy if side is BUY else snap.reserved_sell).get(symbol, D(0))
        for symbol in SYMBOLS
        for side in Side
    }


def test_build_sums_reservations_per_symbol_and_side() -> None:
    # Arrange
    reservations = [
        Reservation("o1", "BTC/USDT", BUY, D("0.1")),
        Reservation("o2", "BTC/USDT", BUY, D("0.25")),
        Reservation("o3", "BTC/USDT", SELL, D("0.05")),
        Reservation("o4", "ETH/USDT", SELL, D("2")),
        Reservation("o5", "ETH/USDT", SELL, D("1.5")),
    ]

    # Act
    snap = RiskSnapshot.build({"BTC/USDT": D("0.2")}, reservations, {"BTC/USDT": D("30000")})

    # Assert
    assert dict(snap.reserved_buy) == {"BTC/USDT": D("0.35")}
    assert dict(snap.reserved_sell) == {"BTC/USDT": D("0.05"), "ETH/USDT": D("3.5")}
    assert dict(snap.positions) == {"BTC/USDT": D("0.2")}
    assert dict(snap.reference_prices) == {"BTC/USDT": D("30000")}


def test_build_with_nothing_reserved_reads_as_zero_everywhere() -> None:
    snap = RiskSnapshot.build({}, [], {})

    assert snap.position("BTC/USDT") == 0
    assert snap.worst_case_after("BTC/USDT", BUY, D("1")) == D("1")
    assert snap.worst_case_after("BTC/USDT", SELL, D("1")) == D("-1")


def test_build_copies_its_inputs() -> None:
    positions = {"BTC/USDT": D("1")}
    prices = {"BTC/USDT": D("30000")}
    snap = RiskSnapshot.build(positions, [], prices)

    positions["BTC/USDT"] = D("99")
    prices["BTC/USDT"] = D("1")

    assert snap.position("BTC/USDT") == D("1")
    assert snap.reference_prices["BTC/USDT"] == D("30000")


@pytest.mark.parametrize(
    ("side", "quantity", "expected"),
    [
        (BUY, "0.1", "0.6"),  # 0.2 held + 0.3 pending buys + 0.1
        (SELL, "0.1", "-0.3"),  # 0.2 held - 0.4 pending sells - 0.1
        (BUY, "0", "0.5"),
        (SELL, "0", "-0.2"),
    ],
)
def test_worst_case_after_counts_the_position_and_the_same_sides_reservations(
    side: Side, quantity: str, expected: str
) -> None:
    snap = RiskSnapshot(
        positions={"BTC/USDT": D("0.2")},
        reserved_buy={"BTC/USDT": D("0.3")},
        reserved_sell={"BTC/USDT": D("0.4")},
    )

    assert snap.worst_case_after("BTC/USDT", side, D(quantity)) == D(expected)


@pytest.mark.parametrize("side", list(Side))
def test_with_reservation_adds_to_one_side_and_leaves_the_original_alone(side: Side) -> None:
    # Arrange
    existing = [Reservation("o1", "BTC/USDT", BUY, D("2"))]
    snap = RiskSnapshot.build({"BTC/USDT": D("1")}, existing, {})
    before = effective(snap)
    r = Reservation("o2", "BTC/USDT", side, D("0.5"))

    # Act
    added = snap.with_reservation(r)

    # Assert
    assert effective(snap) == before
    expected = dict(before)
    expected[("BTC/USDT", side)] += D("0.5")
    assert effective(added) == expected
    assert added.positions == snap.positions


# --- properties ------------------------------------------------------------------------------

amounts = st.decimals(
    min_value=D("0.00000001"), max_value=D("10000"), places=8, allow_nan=False, allow_infinity=False
)
reservations = st.builds(
    Reservation,
    order_id=st.uuids().map(str),
    symbol=st.sampled_from(SYMBOLS),
    side=st.sampled_from(list(Side)),
    remaining=amounts,
)
positions = st.dictionaries(
    st.sampled_from(SYMBOLS),
    st.decimals(
        min_value=D("-10000"), max_value=D("10000"), places=8, allow_nan=False, allow_infinity=False
    ),
)


@settings(max_examples=75, deadline=None)
@given(positions, st.lists(reservations, max_size=10), reservations)
def test_with_reservation_minus_one_undoes_plus_one(
    held: dict[str, Decimal], existing: list[Reservation], r: Reservation
) -> None:
    # Arrange
    snap = RiskSnapshot.build(held, existing, {})

    # Act
    round_trip = snap.with_reservation(r).with_reservation(r, sign=-1)

    # Assert
    assert effective(round_trip) == effective(snap)
    for symbol in SYMBOLS:
        for side in Side:
            assert round_trip.worst_case_after(symbol, side, D(1)) == snap.worst_case_after(
                symbol, side, D(1)
            )


@settings(max_examples=75, deadline=None)
@given(positions, st.lists(reservations, max_size=10), reservations)
def test_adding_a_reservation_matches_building_with_it(
    held: dict[str, Decimal], existing: list[Reservation], r: Reservation
) -> None:
    incremental = RiskSnapshot.build(held, existing, {}).with_reservation(r)
    rebuilt = RiskSnapshot.build(held, [*existing, r], {})

    assert effective(incremental) == effective(rebuilt)
