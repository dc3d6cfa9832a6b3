"""The desk's server side: dual approval, the own-principal bar, edits and read endpoints."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import LIMITS, Desk, add, auth, make_gateway, proposal, wait_for_state

DUAL = LIMITS + ('dual_approval_notional: "5000"\nbar_own_principal_approval: true\n'
                  'max_gross_exposure: "100000"\n')


@pytest.fixture
def desk(database_url: str, tmp_path: Path) -> Iterator[Desk]:
    with Desk(make_gateway(database_url, tmp_path, limits=DUAL)) as d:
        yield d


def propose(desk: Desk, **overrides: Any) -> dict[str, Any]:
    r = desk.client.post("/v1/orders", json=proposal(**overrides), headers=desk.bot)
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def act(desk: Desk, who: dict[str, str], order: dict[str, Any], verb: str = "approve",
        **body: Any) -> Any:
    payload = {"version": order["version"], **body}
    return desk.client.post(f"/v1/orders/{order['id']}/{verb}", json=payload, headers=who)


def test_order_above_threshold_waits_for_a_second_different_operator(desk: Desk) -> None:
    order = propose(desk, quantity="0.2", limit_price="40000")  # 8000 > 5000
    first = act(desk, desk.trader, order)
    assert first.status_code == 200, first.text
    pending = first.json()
    assert (pending["state"], pending["approved_by"]) == ("pending_approval", "trader1")
    assert pending["version"] == order["version"] + 1

    again = act(desk, desk.trader, pending)
    assert again.status_code == 409 and "different operator" in again.json()["error"]["message"]

    stale = act(desk, desk.trader2, order)  # the version before the first approval
    assert stale.status_code == 409

    second = act(desk, desk.trader2, pending)
    # Approved, and claimed for sending in the same transaction once the executor runs.
    assert second.status_code == 200 and second.json()["state"] in ("approved", "sending")
    assert second.json()["approved_by"] == "trader2"
    kinds = [e["kind"] for e in desk.client.get(
        f"/v1/audit?order_id={order['id']}", headers=desk.trader).json()["events"]]
    # The two approvals come in order, with the two refused attempts between them.
    first_at = kinds.index("order.first_approval")
    assert kinds[first_at + 1:first_at + 4] == ["call.refused", "call.refused",
                                                "order.approved"]


def test_order_below_threshold_needs_one_approval(desk: Desk) -> None:
    order = propose(desk, quantity="0.1", limit_price="40000")  # 4000
    r = act(desk, desk.trader, order)
    assert r.status_code == 200 and r.json()["state"] in ("approved", "sending")


def test_principal_may_not_approve_its_own_bots_order_when_barred(desk: Desk) -> None:
    alice = auth(add(desk.gw, "alice-desk", "trader", "alice"))  # bot1 answers to alice
    order = propose(desk, quantity="0.1")
    r = act(desk, alice, order)
    assert r.status_code == 403 and "another operator" in r.json()["error"]["message"]


def test_edit_reduces_quantity_rechecks_bumps_version_and_audits_before_after(desk: Desk) -> None:
    order = propose(desk, quantity="0.2", limit_price="40000")
    r = act(desk, desk.trader, order, "edit", quantity="0.1", limit_price="39800")
    assert r.status_code == 200, r.text
    edited = r.json()
    assert (edited["quantity"], edited["limit_price"]) == ("0.1", "39800")
    assert edited["version"] == order["version"] + 1 and edited["checks"]
    events = desk.client.get(f"/v1/audit?order_id={order['id']}&kind=order.edited",
                             headers=desk.trader).json()["events"]
    payload = events[-1]["payload"]
    assert payload["before"]["quantity"] == "0.2" and payload["after"]["quantity"] == "0.1"
    # The approval is bound to the edited version; 3980 is under the dual threshold.
    assert act(desk, desk.trader, order).status_code == 409
    assert act(desk, desk.trader, edited).json()["approved_by"] == "trader1"


@pytest.mark.parametrize(("change", "field"), [
    ({"quantity": "0.3"}, "quantity"),
    ({"limit_price": "41000"}, "limit_price"),
    ({}, "quantity"),
])
def test_edit_that_grows_or_loosens_the_order_is_refused(
    desk: Desk, change: dict[str, str], field: str
) -> None:
    order = propose(desk, quantity="0.2", limit_price="40000")
    r = act(desk, desk.trader, order, "edit", **change)
    assert r.status_code == 422 and r.json()["error"]["field"] == field
    assert desk.client.get(f"/v1/orders/{order['id']}", headers=desk.trader).json()[
        "version"] == order["version"]


def test_edit_voids_a_first_approval(desk: Desk) -> None:
    order = propose(desk, quantity="0.2", limit_price="40000")
    pending = act(desk, desk.trader, order).json()
    edited = act(desk, desk.trader2, pending, "edit", quantity="0.15").json()
    assert edited["approved_by"] is None and edited["state"] == "pending_approval"


def test_impact_shows_position_now_and_after_and_the_producers_record(desk: Desk) -> None:
    filled = propose(desk, quantity="0.1")
    act(desk, desk.trader, filled)
    wait_for_state(desk.client, desk.trader, filled["id"], {"filled"})
    order = propose(desk, quantity="0.2", limit_price="40000")
    r = desk.client.get(f"/v1/desk/orders/{order['id']}/impact", headers=desk.trader)
    assert r.status_code == 200, r.text
    impact = r.json()
    assert (impact["position_now"], impact["position_after"]) == ("0.1", "0.3")
    assert impact["needs_dual_approval"] is True and impact["first_approved_by"] is None
    assert impact["producer"]["principal"] == "alice"
    assert (impact["producer"]["proposals"], impact["producer"]["approvals"]) == (2, 1)
    assert {u["name"] for u in impact["usage"]} == {"BTC/USDT position after", "order notional"}


def test_read_endpoints_answer_operators_only(desk: Desk) -> None:
    for path in ("/v1/limits", "/v1/desk/producers", "/v1/desk/utilisation", "/v1/desk/pnl"):
        assert desk.client.get(path, headers=desk.trader).status_code == 200, path
        assert desk.client.get(path, headers=desk.bot).status_code == 403, path
    limits = desk.client.get("/v1/limits", headers=desk.trader).json()["limits"]
    assert limits["dual_approval_notional"] == "5000"
    names = [p["name"] for p in desk.client.get("/v1/desk/producers",
                                                 headers=desk.risk).json()["producers"]]
    assert names == ["bot1", "bot2"]


def test_utilisation_lists_each_symbols_position_and_the_exposure_limits_set(desk: Desk) -> None:
    usage = desk.client.get("/v1/desk/utilisation", headers=desk.trader).json()["usage"]
    assert [u["name"] for u in usage] == ["BTC/USDT position", "ETH/USDT position",
                                          "gross exposure"]
    assert all(u["fraction"] == "0" for u in usage)


def test_audit_tail_is_newest_first_and_filters_by_producer_and_operator(desk: Desk) -> None:
    order = propose(desk, quantity="0.1")
    act(desk, desk.trader, order, "deny", reason="not today")
    tail = desk.client.get("/v1/desk/audit-tail", params={"producer": "bot1"},
                           headers=desk.trader).json()["events"]
    seqs = [e["seq"] for e in tail]
    assert seqs == sorted(seqs, reverse=True) and tail[0]["kind"] == "order.denied"
    by_tina = desk.client.get("/v1/desk/audit-tail", params={"operator": "trader1"},
                              headers=desk.trader).json()["events"]
    assert [e["kind"] for e in by_tina] == ["order.denied"]
    assert desk.client.get("/v1/desk/audit-tail", params={"producer": "bot2"},
                           headers=desk.trader).json()["events"] == []


def test_me_tells_an_operator_their_name_and_role_and_refuses_producers(desk: Desk) -> None:
    for who, name, role, person in ((desk.trader, "trader1", "trader", "tina"),
                                    (desk.risk, "risk1", "risk", "rita")):
        r = desk.client.get("/v1/me", headers=who)
        assert r.status_code == 200, r.text
        assert r.json() == {"name": name, "role": role, "principal": person,
                            "jurisdiction": None, "expires_at": None}
    r = desk.client.get("/v1/me", headers=desk.bot)  # as any desk route: 403, audited
    assert (r.status_code, r.json()["error"]["code"]) == (403, "forbidden")
    assert "rita" not in r.text and "tina" not in r.text
    assert desk.client.get("/v1/me").status_code == 401
