"""Pure rules added with edits, dual approval and the virtual queue."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from tests.fakes.http_gateway import FakeGatewayHttp
from tui.feed import Backoff
from tui.screens.edit import Edit, parse_edit
from tui.state import DeskState
from tui.widgets.queue_rows import RowContext, distance_bps, dual_badge, row


def test_a_fetch_started_before_a_decision_cannot_bring_the_decided_order_back() -> None:
    fake = FakeGatewayHttp()
    order, other = fake.add_order(), fake.add_order()
    state = DeskState()
    started = state.decision_clock  # a fetch begins...
    state.confirm_decided(order.id)  # ...the decision is confirmed while it is in flight
    state.set_orders([order, other], epoch=0, decisions=started)
    assert [o.id for o in state.orders] == [other.id]
    # A fetch begun after the confirmation is the server's word: it wins.
    state.set_orders([order, other], epoch=0, decisions=state.decision_clock)
    assert {o.id for o in state.orders} == {order.id, other.id}


@pytest.mark.parametrize("draw", [0.0, 0.5, 0.999])
def test_backoff_jitter_stays_within_a_quarter_below_the_exponential_delay(draw: float) -> None:
    backoff = Backoff(initial=1, factor=2, cap=8)
    for attempt, full in [(0, 1), (2, 4), (9, 8)]:
        delay = backoff.delay(attempt, draw)
        assert full * 0.75 <= delay <= full
    assert Backoff().delay(3, 0.0) == Backoff().delay(3, 0.0)


@pytest.mark.parametrize(
    ("quantity", "price", "expected"),
    [
        ("0.25", "", Edit(Decimal("0.25"), None)),
        ("", "63000", Edit(None, Decimal("63000"))),
        ("0.5", "64000", "Nothing changed"),
        ("0.6", "", "may only be reduced"),
        ("0", "", "may only be reduced"),
        ("", "65000", "may only be lowered"),
        ("abc", "", "plain decimal"),
    ],
)
def test_edit_form_accepts_only_smaller_or_tighter(
    quantity: str, price: str, expected: Edit | str
) -> None:
    order = FakeGatewayHttp().add_order(quantity="0.5", limit_price="64000", side="buy")
    result = parse_edit(order, quantity, price)
    if isinstance(expected, Edit):
        assert result == expected
    else:
        assert isinstance(result, str) and expected in result


def test_a_sell_limit_may_only_be_raised() -> None:
    order = FakeGatewayHttp().add_order(side="sell", limit_price="64000")
    assert "raised" in str(parse_edit(order, "", "63000"))
    assert parse_edit(order, "", "65000") == Edit(None, Decimal("65000"))


def test_row_shows_bps_from_market_and_the_dual_approval_badge() -> None:
    fake = FakeGatewayHttp()
    order = fake.add_order(quantity="0.5", limit_price="64000")  # notional 32000
    assert distance_bps(order, Decimal("64000")) == 0
    assert distance_bps(order, Decimal("63360")) == Decimal("101.0101010101010101010101010")
    assert dual_badge(order, None) == ("", "")
    assert dual_badge(order, Decimal("50000")) == ("", "")
    assert dual_badge(order, Decimal("10000"))[0] == "0/2"
    first = fake.change_order(order.id, approved_by="trader-1")
    assert dual_badge(first, Decimal("10000"))[0] == "1/2"
    ctx = RowContext(datetime.now(UTC), {"BTC/USDT": Decimal("63360")}, Decimal("10000"),
                     set(), {order.id})
    text = row(order, ctx).plain
    assert text.startswith("●") and "0/2" in text and "+101.0" in text and "alpha-bot" in text
