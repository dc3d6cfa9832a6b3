"""Pure desk rules: when an order is actionable, countdowns, and what errors tell the trader."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.fakes.http_gateway import FakeGatewayHttp
from tui.client import DeskError
from tui.explain import explain
from tui.format import countdown
from tui.state import DeskState


def live_state() -> DeskState:
    state = DeskState()
    state.feed_changed(up=True)
    state.set_orders([], epoch=state.feed_epoch)
    return state


def test_live_fresh_unexpired_order_is_actionable() -> None:
    order = FakeGatewayHttp().add_order(expires_in=60)
    assert live_state().blocked_reason(order) is None


@pytest.mark.parametrize(
    ("arrange", "expected"),
    [
        (lambda s: s.feed_changed(up=False), "Disconnected"),
        # Down then up again: the queue on screen predates the reconnection.
        (lambda s: (s.feed_changed(up=False), s.feed_changed(up=True)), "being refreshed"),
        (lambda s: s.in_flight.add("ord-001"), "already on its way"),
        (lambda s: setattr(s, "clock_offset", timedelta(minutes=2)), "expired"),
    ],
)
def test_blocked_reasons(arrange: object, expected: str) -> None:
    order = FakeGatewayHttp().add_order(expires_in=60)
    state = live_state()
    assert callable(arrange)
    arrange(state)
    assert expected in (state.blocked_reason(order) or "")


def test_queue_is_sorted_by_expiry() -> None:
    fake = FakeGatewayHttp()
    late, early = fake.add_order(expires_in=600), fake.add_order(expires_in=30)
    state = live_state()
    state.set_orders([late, early], epoch=state.feed_epoch)
    assert [o.id for o in state.orders] == [early.id, late.id]


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(-5, "expired"), (0, "expired"), (0.4, "00:00"), (65, "01:05"), (3599, "59:59"),
     (3600, "1h00m"), (7385, "2h03m")],
)  # fmt: skip
def test_countdown(seconds: float, text: str) -> None:
    assert countdown(seconds) == text


@pytest.mark.parametrize(
    ("error", "fragment"),
    [
        (DeskError(409, "version_conflict", "now v2"), "review the order again"),
        (DeskError(403, "forbidden", "risk only"), "ask a risk officer or admin"),
        (DeskError(401, "unauthorized", "bad token"), "valid --token"),
        (DeskError(503, "halted", "halted"), "halt banner"),
        (DeskError(0, "no_reply", "timeout"), "may or may not have been applied"),
        (DeskError(0, "unreachable", "refused"), "Nothing was changed"),
        (DeskError(422, "invalid", "too long", field="reason"), "in reason"),
    ],
)
def test_explain_says_what_to_do_next(error: DeskError, fragment: str) -> None:
    assert fragment in explain(error, "approve order ord-1")


def test_server_now_applies_the_clock_offset() -> None:
    state = DeskState(clock_offset=timedelta(seconds=30))
    local = datetime(2026, 11, 3, 12, 0, tzinfo=UTC)
    assert state.server_now(local) == local + timedelta(seconds=30)


def test_a_protective_exit_the_gateway_raised_sorts_first_and_looks_distinct() -> None:
    from decimal import Decimal

    from tui.widgets.queue_rows import SYSTEM_PRODUCER_CELL, RowContext, row

    fake = FakeGatewayHttp()
    urgent = fake.add_order(expires_in=30)
    exit_order = fake.add_order(expires_in=600).model_copy(
        update={"origin": "system", "producer": "system:stop_loss"})
    state = live_state()

    state.set_orders([urgent, exit_order], epoch=state.feed_epoch)

    assert [o.id for o in state.orders] == [exit_order.id, urgent.id]
    ctx = RowContext(datetime.now(UTC), {}, Decimal("1000000"), set(), set())
    shown = row(exit_order, ctx)
    assert shown.plain.startswith("!") and SYSTEM_PRODUCER_CELL[0] in shown.plain
    assert any(str(span.style) == SYSTEM_PRODUCER_CELL[1] for span in shown.spans)
    assert "STOP EXIT" not in row(urgent, ctx).plain
