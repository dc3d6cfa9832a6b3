"""The proposal response is written straight from the order (views.order_json) instead of
through the OrderOut model: it must say exactly what the model says."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from gateway.adapters.store.orders_repo import encode_checks
from gateway.api.schemas import OrderOut
from gateway.api.views import order_json, order_out
from gateway.domain.decision import CheckResult
from gateway.domain.orders import Order, OrderState, OrderType, Side

amounts = st.decimals(min_value=Decimal("0.000000000000000001"), max_value=Decimal(10**12),
                      allow_nan=False, allow_infinity=False, places=18)
times = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1),
                     timezones=st.just(UTC))
names = st.text(st.characters(exclude_categories=["Cs"]), max_size=10)
observed = st.none() | st.integers(-(10**6), 10**6) | names | amounts


@st.composite
def orders(draw: st.DrawFn) -> Order:
    return Order(
        id=draw(names), producer=draw(names), symbol=draw(names), side=draw(st.sampled_from(Side)),
        type=draw(st.sampled_from(OrderType)), quantity=draw(amounts),
        limit_price=draw(st.none() | amounts), state=draw(st.sampled_from(OrderState)),
        created_at=draw(times), updated_at=draw(times), expires_at=draw(times),
        version=draw(st.integers(1, 1000)), filled_quantity=draw(amounts),
        average_fill_price=draw(st.none() | amounts), fees=draw(amounts),
        idempotency_key=draw(st.none() | names), client_order_id=draw(st.none() | names),
        venue_order_id=draw(st.none() | names), reason=draw(st.none() | names),
        limits_version=draw(st.none() | names), rationale=draw(st.none() | names),
        confidence=draw(st.none() | st.decimals(0, 1, places=4)),
        approved_by=draw(st.none() | names), decided_at=draw(st.none() | times),
        venue=draw(st.none() | names), scope_version=draw(st.none() | st.integers(1, 99)),
        origin=draw(st.none() | st.just("system")))


checks = st.lists(st.builds(CheckResult, names, st.booleans(), observed, observed, names),
                  max_size=4)


@given(orders(), checks)
def test_the_proposal_response_says_what_the_order_model_says(
        order: Order, results: list[CheckResult]) -> None:
    expected = order_out(order, [c.as_dict() for c in results]).model_dump(mode="json")
    written = json.loads(order_json(order, encode_checks(results) if results else None))
    assert written == expected
    assert list(written) == list(OrderOut.model_fields)  # the same fields, in model order


@given(orders())
def test_an_order_without_checks_answers_an_empty_list(order: Order) -> None:
    assert json.loads(order_json(order))["checks"] == []
