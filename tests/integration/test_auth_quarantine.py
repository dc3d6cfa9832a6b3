"""Each quarantine trigger suspends the producer, withdraws its queue and alerts the desk."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from gateway.adapters.store.tables import audit_events
from gateway.adapters.store.writer import execute_batch
from gateway.domain.checks.producer_scope import ProducerScope
from gateway.ports.clock import SystemClock
from gateway.sdk import signing
from gateway.services import principals
from tests.support import LIMITS, Desk, auth, make_gateway, proposal

QUARANTINE = ("quarantine: {max_auth_failures: 3, max_role_violations: 2, "
              "max_limit_refusals: 3, max_rate_refusals: 2}\n")


@pytest.fixture
def desk(database_url: str, tmp_path: Path) -> Iterator[Desk]:
    with Desk(make_gateway(database_url, tmp_path, limits=LIMITS + QUARANTINE)) as d:
        yield d


def quarantined(desk: Desk, producer: str) -> list[dict[str, Any]]:
    with desk.gw.engine.connect() as conn:
        rows = conn.execute(select(audit_events.c.kind, audit_events.c.actor,
                                   audit_events.c.body)).all()
    return [json.loads(body) for kind, actor, body in rows
            if kind == "producer.quarantined" and json.loads(body)["payload"]["name"] == producer]


def queued(desk: Desk) -> str:
    r = desk.client.post("/v1/orders", json=proposal(quantity="0.01"), headers=desk.bot)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def assert_quarantined(desk: Desk, pending: str, trigger: str) -> None:
    [record] = quarantined(desk, "bot1")
    assert record["payload"]["trigger"] == trigger
    assert pending in record["payload"]["withdrawn"]
    order = desk.client.get(f"/v1/orders/{pending}", headers=desk.trader).json()
    assert order["state"] == "cancelled"
    r = desk.client.get("/v1/orders", headers=desk.bot)
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "quarantined"


def test_repeated_bad_signatures_quarantine_the_producer(desk: Desk) -> None:
    pending = queued(desk)
    key_id = desk.bot["Authorization"].split()[1].split(".")[0]
    for _ in range(3):
        headers = signing.sign(f"{key_id}.wrong-secret", "GET", "/v1/orders")
        assert desk.client.get("/v1/orders", headers=headers).status_code == 401
    assert_quarantined(desk, pending, "auth failures")
    assert len(quarantined(desk, "bot1")[0]["payload"]["evidence"]) == 3


def test_replays_count_as_auth_failures(desk: Desk) -> None:
    pending = queued(desk)
    credential = desk.bot["Authorization"].split()[1]
    headers = signing.sign(credential, "GET", "/v1/orders")
    assert desk.client.get("/v1/orders", headers=headers).status_code == 200
    for _ in range(3):
        assert desk.client.get("/v1/orders", headers=headers).status_code == 401
    assert_quarantined(desk, pending, "auth failures")


def test_replayed_proposals_count_once_each_as_auth_failures(desk: Desk) -> None:
    # A proposal's nonce is claimed inside its own transaction, not before the route runs.
    pending = queued(desk)
    credential = desk.bot["Authorization"].split()[1]
    body = json.dumps(proposal(quantity="0.01")).encode()
    headers = {**signing.sign(credential, "POST", "/v1/orders", body),
               "Content-Type": "application/json"}
    assert desk.client.post("/v1/orders", content=body, headers=headers).status_code == 201
    for _ in range(3):
        r = desk.client.post("/v1/orders", content=body, headers=headers)
        assert r.status_code == 401, r.text
    assert_quarantined(desk, pending, "auth failures")
    assert len(quarantined(desk, "bot1")[0]["payload"]["evidence"]) == 3


def test_repeated_calls_outside_the_role_quarantine_the_producer(desk: Desk) -> None:
    pending = queued(desk)
    for _ in range(2):
        r = desk.client.post("/v1/halt", json={"reason": "let me"}, headers=desk.bot)
        assert r.status_code == 403
    assert_quarantined(desk, pending, "role violations")


def test_probing_the_limits_quarantines_the_producer(desk: Desk) -> None:
    pending = queued(desk)
    for price in ("40001", "40002", "40003"):
        r = desk.client.post("/v1/orders", json=proposal(quantity="5", limit_price=price),
                             headers=desk.bot)
        assert r.status_code == 422
    assert_quarantined(desk, pending, "limit refusals")


def test_retrying_one_refused_proposal_is_not_probing(desk: Desk) -> None:
    body = proposal(quantity="5", idempotency_key="retry-me")
    codes = [desk.client.post("/v1/orders", json=body, headers=desk.bot).status_code
             for _ in range(4)]  # past max_limit_refusals, but one refusal heard four times
    assert codes == [422] * 4
    assert quarantined(desk, "bot1") == []


def test_bursting_above_its_rate_quarantines_the_producer(desk: Desk) -> None:
    scope = ProducerScope(rate_per_minute=2)
    [(credential, error)] = execute_batch(desk.gw.engine, SystemClock(), {}, [
        lambda uow: principals.add(uow, "burst", principals.Role.PRODUCER, "alice",
                                   "admin:test", scope)])
    assert error is None
    codes = [desk.client.post("/v1/orders", headers=auth(credential), json=proposal(
        quantity="0.001", limit_price=str(40000 + i))).status_code for i in range(4)]
    assert codes == [201, 201, 429, 429]
    [record] = quarantined(desk, "burst")
    assert record["payload"]["trigger"] == "rate refusals"


def test_an_operator_reinstates_a_quarantined_producer(desk: Desk) -> None:
    queued(desk)
    for _ in range(2):
        desk.client.post("/v1/halt", json={"reason": "let me"}, headers=desk.bot)
    [(_, error)] = execute_batch(desk.gw.engine, SystemClock(), {}, [
        lambda uow: principals.set_status(uow, "bot1", "active", "admin:test", "talked to alice")])
    assert error is None
    desk.gw.auth.forget()
    assert desk.client.get("/v1/orders", headers=desk.bot).status_code == 200
