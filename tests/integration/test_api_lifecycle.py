"""The order lifecycle through the HTTP API, on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from tests.support import LIMITS, Desk, make_gateway, proposal, wait_for_state


@pytest.fixture
def desk(database_url: str, tmp_path: Path) -> Iterator[Desk]:
    with Desk(make_gateway(database_url, tmp_path)) as d:
        yield d


def test_passing_proposal_is_queued_with_every_check_shown(desk: Desk) -> None:
    r = desk.client.post("/v1/orders", json=proposal(), headers=desk.bot)
    assert r.status_code == 201
    order = r.json()
    assert order["state"] == "pending_approval"
    assert order["notional"] == "4000"
    assert {c["name"] for c in order["checks"]} >= {"symbol_allowlist", "max_position"}
    assert all(c["passed"] for c in order["checks"])


def test_approved_order_is_sent_filled_and_moves_the_position(desk: Desk) -> None:
    order = desk.client.post("/v1/orders", json=proposal(), headers=desk.bot).json()
    r = desk.client.post(f"/v1/orders/{order['id']}/approve", json={"version": order["version"]},
                         headers=desk.trader)
    assert r.status_code == 200 and r.json()["approved_by"] == "trader1"
    done = wait_for_state(desk.client, desk.trader, order["id"], {"filled", "failed"})
    assert done["state"] == "filled"
    assert Decimal(done["filled_quantity"]) == Decimal("0.1")
    positions = desk.client.get("/v1/positions", headers=desk.trader).json()["positions"]
    assert [(p["symbol"], Decimal(p["quantity"])) for p in positions] == [
        ("BTC/USDT", Decimal("0.1"))]
    kinds = [e["kind"] for e in desk.client.get(
        "/v1/audit", params={"order_id": order["id"]}, headers=desk.trader).json()["events"]]
    assert kinds == ["order.proposed", "order.queued", "order.approved", "order.sending",
                     "order.fill", "order.filled"]


def test_proposal_over_a_limit_is_refused_with_every_failing_check(desk: Desk) -> None:
    r = desk.client.post("/v1/orders", json=proposal(quantity="0.6", limit_price="40000"),
                         headers=desk.bot)
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["code"] == "limit_rejected"
    failed = {c["name"]: c for c in err["details"]["checks"] if not c["passed"]}
    assert set(failed) == {"max_order_notional", "max_position"}
    assert failed["max_position"]["observed"] == "0.6"
    assert failed["max_position"]["limit"] == "0.5"
    assert err["details"]["order"]["state"] == "rejected"


def test_pending_orders_reserve_capacity_so_two_cannot_jointly_breach(desk: Desk) -> None:
    first = desk.client.post("/v1/orders", json=proposal(quantity="0.3"), headers=desk.bot)
    second = desk.client.post("/v1/orders", json=proposal(quantity="0.3"), headers=desk.bot2)
    assert first.status_code == 201
    assert second.status_code == 422
    # Denying the first releases its reservation.
    oid = first.json()["id"]
    desk.client.post(f"/v1/orders/{oid}/deny", json={"reason": "no"}, headers=desk.trader)
    again = desk.client.post("/v1/orders", json=proposal(quantity="0.3"), headers=desk.bot2)
    assert again.status_code == 201


def test_deny_records_the_reason_for_the_bot(desk: Desk) -> None:
    order = desk.client.post("/v1/orders", json=proposal(), headers=desk.bot).json()
    r = desk.client.post(f"/v1/orders/{order['id']}/deny",
                         json={"reason": "too close to the news"}, headers=desk.trader)
    assert r.status_code == 200
    seen = desk.client.get(f"/v1/orders/{order['id']}", headers=desk.bot).json()
    assert (seen["state"], seen["reason"]) == ("denied", "too close to the news")


def test_second_decision_on_one_order_is_a_conflict_naming_the_first(desk: Desk) -> None:
    order = desk.client.post("/v1/orders", json=proposal(), headers=desk.bot).json()
    desk.client.post(f"/v1/orders/{order['id']}/deny", json={"reason": "no"}, headers=desk.trader)
    r = desk.client.post(f"/v1/orders/{order['id']}/approve", json={}, headers=desk.trader2)
    assert r.status_code == 409
    assert "already denied by trader1" in r.json()["error"]["message"]


def test_approval_of_a_stale_version_is_refused(desk: Desk) -> None:
    order = desk.client.post("/v1/orders", json=proposal(), headers=desk.bot).json()
    r = desk.client.post(f"/v1/orders/{order['id']}/approve", json={"version": 99},
                         headers=desk.trader)
    assert r.status_code == 409
    assert r.json()["error"]["details"]["order"]["version"] == order["version"]


@pytest.mark.parametrize("path,body", [
    ("/v1/orders/{id}/approve", {}),
    ("/v1/orders/{id}/deny", {"reason": "x"}),
    ("/v1/halt", {"reason": "x"}),
    ("/v1/resume", {"reason": "x"}),
])
def test_producer_credentials_cannot_act_as_a_human(desk: Desk, path: str, body: dict) -> None:
    order = desk.client.post("/v1/orders", json=proposal(), headers=desk.bot).json()
    r = desk.client.post(path.format(id=order["id"]), json=body, headers=desk.bot)
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "forbidden"
    denied = desk.client.get("/v1/audit", params={"kind": "access.denied"},
                             headers=desk.trader).json()["events"]
    assert denied and denied[-1]["actor"] == "producer:bot1"


@pytest.mark.parametrize("path", ["/v1/audit", "/v1/positions", "/v1/events"])
def test_producers_cannot_read_the_desk_views(desk: Desk, path: str) -> None:
    assert desk.client.get(path, headers=desk.bot).status_code == 403


def test_a_producer_sees_only_its_own_orders(desk: Desk) -> None:
    mine = desk.client.post("/v1/orders", json=proposal(quantity="0.01"), headers=desk.bot)
    theirs = desk.client.post("/v1/orders", json=proposal(quantity="0.01"), headers=desk.bot2)
    assert desk.client.get(f"/v1/orders/{theirs.json()['id']}",
                           headers=desk.bot).status_code == 404
    listed = desk.client.get("/v1/orders", headers=desk.bot).json()["orders"]
    assert [o["id"] for o in listed] == [mine.json()["id"]]


def test_traders_may_not_resume_but_risk_may(desk: Desk) -> None:
    assert desk.client.post("/v1/halt", json={"reason": "drill"},
                            headers=desk.trader).status_code == 200
    assert desk.client.post("/v1/resume", json={"reason": "ok"},
                            headers=desk.trader).status_code == 403
    r = desk.client.post("/v1/resume", json={"reason": "drill over"}, headers=desk.risk)
    assert r.status_code == 200 and r.json()["halted"] is False


def test_while_halted_proposals_and_approvals_get_503_with_the_reason(desk: Desk) -> None:
    order = desk.client.post("/v1/orders", json=proposal(), headers=desk.bot).json()
    desk.client.post("/v1/halt", json={"reason": "venue outage"}, headers=desk.trader)
    r = desk.client.post("/v1/orders", json=proposal(quantity="0.01"), headers=desk.bot)
    assert r.status_code == 503
    assert r.json()["error"]["details"]["reason"] == "venue outage"
    r = desk.client.post(f"/v1/orders/{order['id']}/approve", json={}, headers=desk.trader)
    assert r.status_code == 503
    status = desk.client.get("/v1/status", headers=desk.trader).json()["halt"]
    assert (status["halted"], status["actor"]) == (True, "operator:trader1")
    refused = desk.client.get("/v1/audit", params={"kind": "proposal.refused_halted"},
                              headers=desk.trader).json()["events"]
    assert len(refused) == 1


def test_same_idempotency_key_returns_the_original_order(desk: Desk) -> None:
    body = proposal(idempotency_key="sig-42")
    first = desk.client.post("/v1/orders", json=body, headers=desk.bot)
    retry = desk.client.post("/v1/orders", json=body, headers=desk.bot)
    assert (first.status_code, retry.status_code) == (201, 200)
    assert retry.json()["id"] == first.json()["id"]
    other = desk.client.post("/v1/orders", json=proposal(idempotency_key="sig-42",
                                                         quantity="0.2"), headers=desk.bot)
    assert other.status_code == 409


def test_a_retry_of_a_refused_proposal_is_refused_again_with_the_same_checks(
        desk: Desk) -> None:
    body = proposal(idempotency_key="sig-43", quantity="2")  # over the position limit
    first = desk.client.post("/v1/orders", json=body, headers=desk.bot)
    retry = desk.client.post("/v1/orders", json=body, headers=desk.bot)
    assert (first.status_code, retry.status_code) == (422, 422)
    assert retry.json()["error"]["code"] == "limit_rejected"
    assert retry.json()["error"]["details"] == first.json()["error"]["details"]
    orders = desk.client.get("/v1/orders", headers=desk.bot).json()["orders"]
    assert [o["state"] for o in orders] == ["rejected"]  # still one order, no second


@pytest.mark.parametrize("override,field", [
    ({"quantity": 0.1}, "quantity"),
    ({"quantity": "1e3"}, "quantity"),
    ({"quantity": True}, "quantity"),
    ({"quantity": "NaN"}, "quantity"),
    ({"limit_price": "-"}, "limit_price"),
    ({"side": "hold"}, "side"),
    ({"leverage": "100"}, "leverage"),
])
def test_bad_input_gets_422_naming_the_field(desk: Desk, override: dict, field: str) -> None:
    r = desk.client.post("/v1/orders", json=proposal(**override), headers=desk.bot)
    assert r.status_code == 422
    assert r.json()["error"]["field"] == field
    assert desk.client.get("/v1/orders", headers=desk.bot).json()["orders"] == []


def test_zero_quantity_is_refused_naming_the_field(desk: Desk) -> None:
    r = desk.client.post("/v1/orders", json=proposal(quantity="0"), headers=desk.bot)
    assert r.status_code == 422
    assert r.json()["error"]["field"] == "quantity"


def test_oversized_body_is_refused_and_the_server_keeps_serving(desk: Desk) -> None:
    r = desk.client.post("/v1/orders", content=b"{" + b" " * 20000 + b"}",
                         headers={**desk.bot, "content-type": "application/json"})
    assert r.status_code == 413
    assert desk.client.post("/v1/orders", json=proposal(), headers=desk.bot).status_code == 201


def test_missing_or_unknown_token_is_401(desk: Desk) -> None:
    assert desk.client.post("/v1/orders", json=proposal()).status_code == 401
    r = desk.client.post("/v1/orders", json=proposal(), headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401


def test_producer_may_cancel_its_pending_order_but_not_anothers(desk: Desk) -> None:
    order = desk.client.post("/v1/orders", json=proposal(), headers=desk.bot).json()
    r = desk.client.post(f"/v1/orders/{order['id']}/cancel", json={"reason": "signal gone"},
                         headers=desk.bot2)
    assert r.status_code == 404  # not bot2's to cancel, nor to learn about
    r = desk.client.post(f"/v1/orders/{order['id']}/cancel", json={"reason": "signal gone"},
                         headers=desk.bot)
    assert r.status_code == 200 and r.json()["state"] == "cancelled"


def test_a_proposal_refused_only_by_the_throttle_is_429_with_retry_after(
        database_url: str, tmp_path: Path) -> None:
    throttled = LIMITS + "throttle: {window_seconds: 30, max_proposals_per_producer: 1}\n"
    with Desk(make_gateway(database_url, tmp_path, limits=throttled)) as desk:
        assert desk.client.post("/v1/orders", json=proposal(), headers=desk.bot).status_code == 201
        r = desk.client.post("/v1/orders", json=proposal(), headers=desk.bot)
        assert (r.status_code, r.headers["retry-after"]) == (429, "30")
        assert r.json()["error"]["code"] == "rate_limited"
        assert [c["name"] for c in r.json()["error"]["details"]["checks"]
                if not c["passed"]] == ["throttle"]
        # Over a limit as well: waiting would not help, so it is a plain refusal.
        r = desk.client.post("/v1/orders", json=proposal(quantity="2"), headers=desk.bot)
        assert (r.status_code, r.json()["error"]["code"]) == (422, "limit_rejected")
