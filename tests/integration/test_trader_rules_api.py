"""Venues and jurisdictions, scope versions and signed scope documents, credential expiry and
the stop guards, through the real API on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from gateway.adapters.store import guards_repo
from gateway.adapters.store.writer import execute_batch
from gateway.api.app import create_app
from gateway.bootstrap import Gateway
from gateway.ports.clock import SystemClock
from gateway.sdk.scope import verify_scope
from gateway.services import principals, scopes
from tests.signing_support import SignProducerBearer
from tests.support import LIMITS, add, auth, make_gateway, proposal

VENUES = LIMITS + """
venues:
  fake: {jurisdictions: [GB, DE]}
  paper: {jurisdictions: ["*"]}
"""


class Floor:
    """Producers and operators from two jurisdictions; the connected venue serves GB only."""

    def __init__(self, gw: Gateway) -> None:
        self.gw = gw
        self.gb_bot = auth(add(gw, "gb-bot", "producer", "alice", "GB"))
        self.us_bot = auth(add(gw, "us-bot", "producer", "bob", "US"))
        self.gb_trader = auth(add(gw, "gb-trader", "trader", "tina", "GB"))
        self.us_trader = auth(add(gw, "us-trader", "trader", "ursula", "US"))
        self.risk = auth(add(gw, "risk1", "risk", "rita", "GB"))
        self.client = TestClient(create_app(gw))
        self.client.auth = SignProducerBearer()

    def run(self, job: Any) -> Any:
        [(result, error)] = execute_batch(self.gw.engine, SystemClock(), {}, [job])
        assert error is None, error
        return result

    def audit(self, kind: str) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = self.client.get(
            "/v1/audit", params={"kind": kind}, headers=self.risk).json()["events"]
        return events


@pytest.fixture
def floor(database_url: str, tmp_path: Path) -> Iterator[Floor]:
    f = Floor(make_gateway(database_url, tmp_path, limits=VENUES))
    with f.client:
        yield f


def failed(r: Any) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in r.json()["error"]["details"]["checks"] if not c["passed"]}


def test_a_producer_from_a_jurisdiction_the_venue_does_not_serve_is_refused(floor: Floor) -> None:
    ok = floor.client.post("/v1/orders", json=proposal(), headers=floor.gb_bot)
    refused = floor.client.post("/v1/orders", json=proposal(), headers=floor.us_bot)

    assert ok.status_code == 201, ok.text
    assert ok.json()["venue"] == "fake"
    assert refused.status_code == 422
    finding = failed(refused)["producer_jurisdiction"]
    assert (finding["observed"], finding["limit"]) == ("US", "DE, GB")
    assert "may not be used from jurisdiction US" in finding["message"]


@pytest.mark.parametrize(("venue", "rule"), [
    ("kraken", "venue_declared"),   # default deny
    ("paper", "venue_connected"),   # declared, but this gateway is not connected to it
])
def test_an_order_for_a_venue_it_cannot_go_to_is_refused(floor: Floor, venue: str,
                                                         rule: str) -> None:
    r = floor.client.post("/v1/orders", json=proposal(venue=venue), headers=floor.gb_bot)

    assert r.status_code == 422
    assert rule in failed(r)


def test_an_operator_approves_only_on_venues_serving_their_jurisdiction(floor: Floor) -> None:
    order = floor.client.post("/v1/orders", json=proposal(), headers=floor.gb_bot).json()

    foreign = floor.client.post(f"/v1/orders/{order['id']}/approve", json={},
                                headers=floor.us_trader)
    local = floor.client.post(f"/v1/orders/{order['id']}/approve", json={},
                              headers=floor.gb_trader)

    assert foreign.status_code == 403
    assert "serves only DE, GB" in foreign.json()["error"]["message"]
    assert local.status_code == 200, local.text


def test_a_scope_change_is_audited_with_a_diff_and_orders_record_their_version(
        floor: Floor) -> None:
    first = floor.client.post("/v1/orders", json=proposal(), headers=floor.gb_bot).json()
    changed = floor.run(lambda uow: scopes.set_scope(
        uow, "gb-bot", "admin:test", {"symbols": frozenset({"ETH/USDT"})}, "narrowed"))
    floor.gw.auth.forget()  # a serving process sees it within the 2 s cache

    refused = floor.client.post("/v1/orders", json=proposal(), headers=floor.gb_bot)
    second = floor.client.post("/v1/orders", json=proposal(symbol="ETH/USDT", limit_price="2000"),
                               headers=floor.gb_bot).json()

    assert (first["scope_version"], changed["scope_version"]) == (1, 2)
    assert "producer_symbols" in failed(refused)
    assert second["scope_version"] == 2
    [event] = floor.audit("producer.scope_changed")
    assert event["payload"]["diff"] == {"symbols": {"before": None, "after": ["ETH/USDT"]}}
    assert event["reason"] == "narrowed"


def test_a_producer_fetches_its_own_signed_scope_document(floor: Floor) -> None:
    r = floor.client.get("/v1/scope", headers=floor.gb_bot)
    key = floor.client.get("/v1/scope/key", headers=floor.gb_bot).json()

    assert r.status_code == 200
    doc = verify_scope(r.json(), key["public_key"])
    assert (doc["producer"], doc["principal"], doc["jurisdiction"]) == ("gb-bot", "alice", "GB")
    assert doc["venues"] == ["fake", "paper"]
    assert doc["symbols"] == ["BTC/USDT", "ETH/USDT"]
    assert doc["credential"]["fingerprint"].startswith("sha256:")
    secret = floor.gb_bot["Authorization"].split(".", 1)[1]
    assert secret not in r.text
    assert floor.client.get("/v1/scope", headers=floor.gb_trader).status_code == 403


def test_an_expired_credential_is_refused_and_audited(floor: Floor) -> None:
    past = datetime.now(UTC) - timedelta(seconds=1)
    bot = auth(floor.run(lambda uow: principals.add(
        uow, "old-bot", principals.Role.PRODUCER, "alice", "admin:test", None, "GB", past)))
    trader = auth(floor.run(lambda uow: principals.add(
        uow, "old-trader", principals.Role.TRADER, "olga", "admin:test", None, "GB", past)))

    r = floor.client.post("/v1/orders", json=proposal(), headers=bot)
    t = floor.client.get("/v1/status", headers=trader)

    assert (r.status_code, t.status_code) == (401, 401)
    assert r.json()["error"]["code"] == "credential_expired"
    assert "rotate-key old-bot --expires-in" in r.json()["error"]["message"]
    refusals = [e for e in floor.audit("access.refused") if e["actor"] == "producer:old-bot"]
    assert refusals and "credential expired" in refusals[0]["reason"]
    fresh = auth(floor.run(lambda uow: principals.rotate_key(
        uow, "old-bot", "admin:test", datetime.now(UTC) + timedelta(days=30))))
    floor.gw.auth.forget()
    assert floor.client.post("/v1/orders", json=proposal(), headers=fresh).status_code == 201


def test_a_credential_valid_until_later_works_until_then(floor: Floor) -> None:
    soon = datetime.now(UTC) + timedelta(hours=1)
    bot = auth(floor.run(lambda uow: principals.add(
        uow, "new-bot", principals.Role.PRODUCER, "alice", "admin:test", None, "GB", soon)))

    assert floor.client.post("/v1/orders", json=proposal(), headers=bot).status_code == 201


def test_stopped_symbols_show_in_status_and_only_risk_clears_them(floor: Floor) -> None:
    floor.run(lambda uow: guards_repo.add(uow.conn, "BTC/USDT", uow.now, "system:stop_loss",
                                          "stop level reached", {"position": "0.5"}))
    status = floor.client.get("/v1/status", headers=floor.gb_trader).json()
    listed = floor.client.get("/v1/stops", headers=floor.gb_trader).json()["stops"]
    body = {"symbol": "BTC/USDT", "reason": "position closed by hand"}

    by_trader = floor.client.post("/v1/stops/clear", json=body, headers=floor.gb_trader)
    by_risk = floor.client.post("/v1/stops/clear", json=body, headers=floor.risk)

    assert status["stopped_symbols"] == ["BTC/USDT"]
    assert [s["symbol"] for s in listed] == ["BTC/USDT"]
    assert by_trader.status_code == 403
    assert by_risk.status_code == 200 and by_risk.json()["stops"] == []
    [cleared] = floor.audit("stop_loss.cleared")
    assert (cleared["actor"], cleared["reason"]) == ("operator:risk1", "position closed by hand")
    again = floor.client.post("/v1/stops/clear", json=body, headers=floor.risk)
    assert again.status_code == 404
