"""Stop-loss arithmetic: where a level is reached, and protective exits that always fit the
collar, the lot step and the per-order caps."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.domain.checks.price_collar import check_price_collar
from gateway.domain.orders import Side
from gateway.domain.risk import RiskSnapshot
from gateway.domain.stop_loss import StopLevel, breach, exit_chunks, exit_price, trigger_price

from .support import limits, proposal

D = Decimal


@pytest.mark.parametrize(("quantity", "level", "trigger"), [
    ("1", StopLevel(share=D("0.05")), "38000"),
    ("-1", StopLevel(share=D("0.05")), "42000"),
    ("1", StopLevel(distance=D("1500")), "38500"),
    ("-1", StopLevel(distance=D("1500")), "41500"),
    # Both set: whichever is reached first (nearer the entry).
    ("1", StopLevel(share=D("0.05"), distance=D("1500")), "38500"),
    ("-1", StopLevel(share=D("0.02"), distance=D("1500")), "40800"),
])
def test_the_trigger_is_the_nearer_of_the_levels(quantity: str, level: StopLevel,
                                                 trigger: str) -> None:
    assert trigger_price(D(quantity), D("40000"), level) == D(trigger)


def test_a_breach_carries_the_figures_that_decided_it() -> None:
    found = breach("BTC/USDT", D("0.5"), D("40000"), D("37000"), StopLevel(share=D("0.05")))

    assert found is not None
    assert found.figures() == {
        "symbol": "BTC/USDT", "position": D("0.5"), "entry_price": D("40000"),
        "reference_price": D("37000"), "trigger_price": D("38000"),
        "unrealized_loss": D("1500"), "level": "5% of entry value"}


def test_flat_positions_and_unset_levels_never_breach() -> None:
    assert breach("X/USDT", D(0), None, None, StopLevel(share=D("0.1"))) is None
    assert breach("X/USDT", D(1), D(10), D(1), StopLevel()) is None


def test_a_held_position_without_prices_cannot_be_decided() -> None:
    with pytest.raises(ValueError, match="reference"):
        breach("X/USDT", D(1), D(10), None, StopLevel(share=D("0.1")))


prices = st.decimals(min_value=D("0.0001"), max_value=D("200000"), places=4)
ticks = st.sampled_from([D("0.0001"), D("0.01"), D("0.1"), D("1"), D("5")])
bps = st.decimals(min_value=D(0), max_value=D(500), places=2)


@given(ref=prices, tick=ticks, offset=bps, collar=st.decimals(min_value=D(1), max_value=D(500),
                                                              places=2),
       side=st.sampled_from(Side))
def test_an_exit_price_is_on_the_tick_marketable_and_inside_the_collar(
        ref: Decimal, tick: Decimal, offset: Decimal, collar: Decimal, side: Side) -> None:
    if tick / ref * 10_000 > collar:
        return  # one tick wider than the collar: no limit price but the reference fits
    price = exit_price(side, ref, offset, collar, tick)

    assert price % tick == 0
    assert price <= ref if side is Side.SELL else price >= ref
    lim = limits()
    collar_limits = lim.model_copy(update={"price_collar_bps": collar})
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    snap = RiskSnapshot(reference_prices={"BTC/USDT": ref}, price_times={"BTC/USDT": now},
                        now=now)
    p = proposal(side=side, quantity="0.1", limit_price=price)
    assert check_price_collar(p, collar_limits, snap).passed


@given(quantity=st.decimals(min_value=D("0.001"), max_value=D("100"), places=3),
       price=st.decimals(min_value=D("1"), max_value=D("100000"), places=2),
       cap=st.decimals(min_value=D("100"), max_value=D("50000"), places=0))
def test_exit_chunks_fit_the_caps_and_never_exceed_the_position(
        quantity: Decimal, price: Decimal, cap: Decimal) -> None:
    step = D("0.001")
    chunks = exit_chunks(quantity, price, step, cap, None)

    assert sum(chunks, D(0)) <= quantity
    assert all(c > 0 and c % step == 0 and c * price <= cap for c in chunks)
    if chunks and len(chunks) < 20:
        assert quantity - sum(chunks, D(0)) < step  # all of it, to the lot step


def test_exit_chunks_respect_the_quantity_bound() -> None:
    assert exit_chunks(D("1"), D("100"), D("0.1"), D("1000000"), D("0.3")) == [
        D("0.3"), D("0.3"), D("0.3"), D("0.1")]
