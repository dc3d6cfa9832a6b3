"""The role boundary: every endpoint called with producer credentials, and operator roles."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from gateway.adapters.store.tables import audit_events
from gateway.api.app import create_app
from tests.support import LIMITS, Desk, make_gateway, proposal

# What a producer may do: propose, cancel and read its own orders (plus health and overview;
# /metrics is open to anonymous scrapers by default, but not to producer credentials).
PRODUCER_ALLOWED = {
    ("POST", "/v1/orders"), ("GET", "/v1/orders"), ("GET", "/v1/orders/{order_id}"),
    ("POST", "/v1/orders/{order_id}/cancel"), ("GET", "/v1/orders/events"),
    ("GET", "/v1/status"), ("GET", "/v1/prices"), ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/v1/scope"), ("GET", "/v1/scope/key"),  # its own signed scope, the gateway's key
}


def all_routes(desk: Desk) -> list[tuple[str, str]]:
    paths = create_app(desk.gw).openapi()["paths"]  # the same routes; the app never starts
    return sorted((m.upper(), p) for p, ops in paths.items() for m in ops)


@pytest.fixture
def desk(database_url: str, tmp_path: Path) -> Iterator[Desk]:
    lenient = LIMITS + "quarantine: {max_role_violations: 1000}\n"
    with Desk(make_gateway(database_url, tmp_path, limits=lenient)) as d:
        yield d


def denials(desk: Desk) -> list[str]:
    with desk.gw.engine.connect() as conn:
        rows = conn.execute(select(audit_events.c.kind, audit_events.c.actor)).all()
    return [actor for kind, actor in rows if kind == "access.denied"]


def test_every_endpoint_outside_the_producer_role_is_403_and_audited(desk: Desk) -> None:
    order = desk.client.post("/v1/orders", json=proposal(), headers=desk.bot).json()
    forbidden = [(m, p) for m, p in all_routes(desk) if (m, p) not in PRODUCER_ALLOWED]
    assert forbidden, "the app has operator endpoints"
    for method, path in forbidden:
        url = path.replace("{order_id}", order["id"])
        r = desk.client.request(method, url, headers=desk.bot, json={"reason": "x", "version": 1})
        assert r.status_code == 403, (method, path, r.status_code, r.text)
        assert r.json()["error"]["code"] == "forbidden"
    assert denials(desk).count("producer:bot1") == len(forbidden)


def test_a_producer_cannot_read_or_cancel_another_producers_order(desk: Desk) -> None:
    theirs = desk.client.post("/v1/orders", json=proposal(), headers=desk.bot2).json()["id"]
    assert desk.client.get(f"/v1/orders/{theirs}", headers=desk.bot).status_code == 404
    listed = desk.client.get("/v1/orders", headers=desk.bot).json()["orders"]
    assert all(o["producer"] == "bot1" for o in listed)
    r = desk.client.post(f"/v1/orders/{theirs}/cancel", json={"reason": "mine now"},
                         headers=desk.bot)
    assert r.status_code == 404  # as for reading it: its existence is not bot1's to learn
    assert r.json()["error"]["message"] == f"no order {theirs}"
    assert desk.client.get(f"/v1/orders/{theirs}", headers=desk.bot2).json()["state"] == (
        "pending_approval")


def test_a_producer_may_cancel_its_own_order(desk: Desk) -> None:
    mine = desk.client.post("/v1/orders", json=proposal(), headers=desk.bot).json()["id"]
    r = desk.client.post(f"/v1/orders/{mine}/cancel", json={"reason": "changed my mind"},
                         headers=desk.bot)
    assert r.json()["state"] == "cancelled"


def test_a_trader_may_halt_but_not_resume(desk: Desk) -> None:
    assert desk.client.post("/v1/halt", json={"reason": "drill"},
                            headers=desk.trader).status_code == 200
    r = desk.client.post("/v1/resume", json={"reason": "done"}, headers=desk.trader)
    assert r.status_code == 403
    assert desk.client.post("/v1/resume", json={"reason": "done"},
                            headers=desk.risk).status_code == 200


def test_a_risk_officer_may_not_approve(desk: Desk) -> None:
    oid = desk.client.post("/v1/orders", json=proposal(), headers=desk.bot).json()["id"]
    r = desk.client.post(f"/v1/orders/{oid}/approve", json={}, headers=desk.risk)
    assert r.status_code == 403
    assert "operator:risk1" in denials(desk)
