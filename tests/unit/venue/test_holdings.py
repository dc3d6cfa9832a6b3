"""Holdings reconciliation as plain values: baseline plus the gateway's own fills, the
venue's rounding allowance, and when a comparison can be trusted at all."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from gateway.domain.holdings import Baseline, Fill, NetFlows, units
from gateway.domain.markets import Market
from gateway.domain.orders import Order, OrderState, OrderType, Side
from gateway.ports.exchange import VenueOrder, VenueOrderStatus
from gateway.services.reconcile import compare_holdings, settled

NOW = datetime(2026, 11, 28, tzinfo=UTC)
BTC = Market("BTC/USDT", "BTC", "USDT", Decimal("0.01"), Decimal("0.00001"), Decimal("0.00001"),
             Decimal("5"))
MARKETS = {"BTC/USDT": BTC}
BASE = Baseline("venue", {"USDT": Decimal("1000"), "BTC": Decimal("1")}, 0, NOW)


def fill(i: int, side: Side, qty: str, price: str, fee: str = "0") -> Fill:
    return Fill(i, "BTC/USDT", side, Decimal(qty), Decimal(price), Decimal(fee))


def test_holdings_follow_the_gateways_buys_and_sells_with_their_fees() -> None:
    flows = NetFlows().plus([fill(1, Side.BUY, "0.5", "100", "0.05"),
                             fill(2, Side.SELL, "0.2", "110", "0.022")], MARKETS)
    # USDT: 1000 - 50 - 0.05 + 22 - 0.022; BTC: 1 + 0.5 - 0.2
    held = {"USDT": Decimal("971.928"), "BTC": Decimal("1.3")}
    assert compare_holdings(BASE, flows, held, MARKETS) == []
    assert flows.last_fill_id == 2


def test_a_balance_moved_behind_the_gateways_back_is_a_mismatch_naming_both_figures() -> None:
    [m] = compare_holdings(BASE, NetFlows(), {"USDT": Decimal("750"), "BTC": Decimal("1")},
                           MARKETS)
    assert (m.kind, m.currency, m.expected, m.held) == (
        "holdings_differ", "USDT", Decimal("1000"), Decimal("750"))
    assert "off by -250" in m.detail


def test_a_currency_the_baseline_never_held_is_a_mismatch_and_a_missing_one_counts_as_zero(
) -> None:
    found = compare_holdings(BASE, NetFlows(), {"USDT": Decimal("1000"), "ETH": Decimal("2")},
                             MARKETS)
    assert [(m.currency, m.expected, m.held) for m in found] == [
        ("BTC", Decimal("1"), Decimal("0")), ("ETH", Decimal("0"), Decimal("2"))]


def test_rounding_is_allowed_one_unit_per_fill_and_not_at_all_without_fills() -> None:
    unit = units([BTC])["USDT"]  # 0.01 tick x 0.00001 step
    assert unit == Decimal("0.0000001")
    flows = NetFlows().plus([fill(1, Side.BUY, "0.5", "100"), fill(2, Side.BUY, "0.5", "100")],
                            MARKETS)
    expected = Decimal("900")
    for off, mismatched in ((2 * unit, False), (2 * unit + Decimal("1e-12"), True)):
        held = {"USDT": expected - off, "BTC": Decimal("2")}
        assert bool(compare_holdings(BASE, flows, held, MARKETS)) is mismatched
    untouched = {"USDT": Decimal("1000") - Decimal("1e-12"), "BTC": Decimal("1")}
    assert compare_holdings(BASE, NetFlows(), untouched, MARKETS) != []


def test_the_same_difference_is_the_same_mismatch_while_trading_moves_both_sides() -> None:
    [before] = compare_holdings(BASE, NetFlows(), {"USDT": Decimal("990"), "BTC": Decimal("1")},
                                MARKETS)
    flows = NetFlows().plus([fill(1, Side.BUY, "0.1", "100")], MARKETS)
    [after] = compare_holdings(BASE, flows, {"USDT": Decimal("980"), "BTC": Decimal("1.1")},
                               MARKETS)
    assert before.key == after.key and before.detail != after.detail


fills_strategy = st.lists(
    st.builds(lambda side, q, p, f: (side, Decimal(q) / 1000, Decimal(p), Decimal(f) / 100),
              st.sampled_from([Side.BUY, Side.SELL]), st.integers(1, 5000),
              st.integers(1, 90000), st.integers(0, 500)), max_size=30)


@given(fills_strategy, st.integers(0, 30))
def test_the_running_net_taken_in_steps_equals_the_net_taken_at_once(
        raw: list[tuple[Side, Decimal, Decimal, Decimal]], cut: int) -> None:
    fills = [Fill(i + 1, "BTC/USDT", s, q, p, f) for i, (s, q, p, f) in enumerate(raw)]
    whole = NetFlows().plus(fills, MARKETS)
    stepped = NetFlows().plus(fills[:cut], MARKETS).plus(fills[cut:], MARKETS)
    assert (stepped.change, stepped.fills, stepped.last_fill_id) == (
        whole.change, whole.fills, whole.last_fill_id)


def ours(cid: str, state: OrderState = OrderState.SUBMITTED, filled: str = "0") -> Order:
    return Order(id="ord_" + cid, producer="bot", symbol="BTC/USDT", side=Side.BUY,
                 type=OrderType.LIMIT, quantity=Decimal("1"), limit_price=Decimal("100"),
                 state=state, created_at=NOW, updated_at=NOW, expires_at=NOW,
                 filled_quantity=Decimal(filled), client_order_id="gg-" + cid)


def listed(cid: str, filled: str = "0") -> VenueOrder:
    return VenueOrder(cid, "v-" + cid, "BTC/USDT", Side.BUY, OrderType.LIMIT, Decimal("1"),
                      Decimal("100"), VenueOrderStatus.OPEN, Decimal(filled), None,
                      Decimal(0), NOW)


def test_holdings_are_compared_only_when_no_fill_of_ours_can_be_in_flight() -> None:
    a = ours("a", OrderState.PARTIALLY_FILLED, "0.4")
    assert settled([a], [listed("gg-a", "0.4"), listed("manual-1")])  # foreign: not ours
    assert not settled([a], [listed("gg-a", "0.5")])                  # filled meanwhile
    assert not settled([a], [])                                        # gone: filled or more
    assert not settled([], [listed("gg-b")])                           # placed meanwhile
    assert not settled([a, ours("c", OrderState.SENDING)], [listed("gg-a", "0.4")])
    assert settled([], [])
