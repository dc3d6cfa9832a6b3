"""The paper venue's holdings agree exactly with what the gateway's reconciliation expects:
baseline plus the net of the fills the venue reports, with their fees; a transfer outside
trading is the only other thing that moves them."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.adapters.paper import PaperExchange
from gateway.adapters.paper.markets import DEFAULT_MARKETS
from gateway.domain.holdings import Baseline, Fill, NetFlows
from gateway.domain.orders import OrderType, Side
from gateway.ports.clock import FakeClock
from gateway.ports.exchange import OrderRefused, VenueOrder, VenueOrderRequest
from gateway.services.reconcile import compare_holdings

BTC = "BTC/USDT"


def venue(clock: FakeClock) -> PaperExchange:
    return PaperExchange(clock=clock, volatility=Decimal("0.001"), fill_fraction=Decimal("0.5"))


def fills_of(views: dict[str, VenueOrder], seen: dict[str, tuple[Decimal, Decimal, Decimal]],
             next_id: int) -> list[Fill]:
    """New fills as the gateway records them from each order's cumulative figures."""
    out = []
    for cid, vo in views.items():
        qty, cost, fee = seen.get(cid, (Decimal(0), Decimal(0), Decimal(0)))
        if vo.filled > qty:
            assert vo.average is not None
            delta = vo.filled - qty
            out.append(Fill(next_id + len(out), vo.symbol, vo.side, delta,
                            (vo.average * vo.filled - cost) / delta, vo.fee - fee))
            seen[cid] = (vo.filled, vo.average * vo.filled, vo.fee)
    return out


orders = st.lists(st.tuples(st.sampled_from([Side.BUY, Side.SELL]), st.integers(1, 50),
                            st.integers(-300, 300), st.integers(0, 30)), min_size=1, max_size=8)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(orders)
async def test_holdings_are_baseline_plus_the_reported_fills_and_fees(
        plan: list[tuple[Side, int, int, int]]) -> None:
    clock = FakeClock(datetime(2026, 3, 1, tzinfo=UTC))
    ex = venue(clock)
    baseline = Baseline("paper", await ex.fetch_holdings(), 0, clock.now())
    seen: dict[str, tuple[Decimal, Decimal, Decimal]] = {}
    flows = NetFlows()
    for i, (side, thousandths, offset, wait_s) in enumerate(plan):
        mid = (await ex.fetch_ticker(BTC)).last
        price = (mid + offset).quantize(Decimal("0.01"))
        amount = Decimal(thousandths) / 1000
        await ex.create_order(VenueOrderRequest(f"h{i}", BTC, side, OrderType.LIMIT, amount,
                                                price))
        clock.advance(wait_s)
        views = {f"h{j}": await ex.fetch_order(BTC, f"h{j}") for j in range(i + 1)}
        flows = flows.plus(fills_of(views, seen, flows.last_fill_id + 1), DEFAULT_MARKETS)
        held = await ex.fetch_holdings()
        assert compare_holdings(baseline, flows, held, DEFAULT_MARKETS) == []


async def test_a_resting_order_moves_funds_to_locked_but_not_the_holdings() -> None:
    ex = venue(FakeClock())
    before = await ex.fetch_holdings()
    bid = (await ex.fetch_ticker(BTC)).bid
    await ex.create_order(VenueOrderRequest("r1", BTC, Side.BUY, OrderType.LIMIT,
                                            Decimal("0.01"), bid - 1000))
    assert (await ex.fetch_locked())["USDT"] > 0
    assert await ex.fetch_holdings() == before


async def test_a_transfer_moves_the_holdings_and_cannot_overdraw() -> None:
    ex = venue(FakeClock())
    before = await ex.fetch_holdings()
    await ex.transfer("USDT", Decimal("-5"))
    await ex.transfer("EUR", Decimal("100"))
    after = await ex.fetch_holdings()
    assert after["USDT"] == before["USDT"] - 5 and after["EUR"] == 100
    with pytest.raises(OrderRefused):
        await ex.transfer("BTC", -(before["BTC"] + 1))
