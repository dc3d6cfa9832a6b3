"""Every refused call by a known caller is in the audit trail, once (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from gateway.adapters.store.tables import audit_events
from gateway.adapters.store.writer import execute_batch
from gateway.ports.clock import SystemClock
from gateway.services import principals
from tests.support import Desk, make_gateway, proposal


@pytest.fixture
def desk(database_url: str, tmp_path: Path) -> Iterator[Desk]:
    with Desk(make_gateway(database_url, tmp_path)) as d:
        yield d


def records(desk: Desk, kind: str | None = None) -> list[dict[str, Any]]:
    with desk.gw.engine.connect() as conn:
        bodies = conn.execute(select(audit_events.c.body).order_by(audit_events.c.seq)).scalars()
        found = [json.loads(b) for b in bodies]
    return [r for r in found if kind is None or r["kind"] == kind]


def test_a_stale_approval_is_audited_with_who_the_order_and_why(desk: Desk) -> None:
    order = desk.client.post("/v1/orders", json=proposal(), headers=desk.bot).json()
    r = desk.client.post(f"/v1/orders/{order['id']}/approve", json={"version": 7},
                         headers=desk.trader)
    assert r.status_code == 409
    [refused] = records(desk, "call.refused")
    assert (refused["actor"], refused["order_id"]) == ("operator:trader1", order["id"])
    assert "changed since you saw it" in refused["reason"]
    assert refused["payload"] == {"method": "POST", "status": 409, "code": "conflict",
                                  "path": f"/v1/orders/{order['id']}/approve", "field": None,
                                  "role": "trader"}


def test_an_approval_while_halted_and_an_invalid_proposal_are_audited(desk: Desk) -> None:
    order = desk.client.post("/v1/orders", json=proposal(), headers=desk.bot).json()
    desk.client.post("/v1/halt", json={"reason": "drill"}, headers=desk.risk)
    r = desk.client.post(f"/v1/orders/{order['id']}/approve", json={}, headers=desk.trader)
    assert r.status_code == 503
    desk.client.post("/v1/resume", json={"reason": "done"}, headers=desk.risk)
    r = desk.client.post("/v1/orders", json=proposal(quantity=0.1), headers=desk.bot)
    assert r.status_code == 422
    refused = records(desk, "call.refused")
    assert [(e["actor"], e["payload"]["status"], e["payload"]["field"]) for e in refused] == [
        ("operator:trader1", 503, None), ("producer:bot1", 422, "quantity")]
    assert "not a JSON number" in refused[1]["reason"]


def test_a_suspended_producers_call_is_audited_though_not_admitted(desk: Desk) -> None:
    [(_, error)] = execute_batch(desk.gw.engine, SystemClock(), {}, [
        lambda uow: principals.set_status(uow, "bot1", "suspended", "admin:test", "drill")])
    assert error is None
    desk.gw.auth.forget()
    r = desk.client.get("/v1/orders", headers=desk.bot)
    assert (r.status_code, r.json()["error"]["code"]) == (403, "quarantined")
    [refused] = records(desk, "call.refused")
    assert refused["actor"] == "producer:bot1" and refused["payload"]["code"] == "quarantined"
    assert refused["payload"]["role"] == "producer"  # named from the actor: not admitted


def test_refusals_with_records_of_their_own_are_not_recorded_twice(desk: Desk) -> None:
    over = desk.client.post("/v1/orders", json=proposal(quantity="2"), headers=desk.bot)
    assert over.status_code == 422  # recorded as the rejected order
    assert desk.client.post("/v1/halt", json={"reason": "x"},
                            headers=desk.bot).status_code == 403  # recorded: access.denied
    unknown = {"Authorization": "Bearer gwo_nobody"}
    assert desk.client.get("/v1/status", headers=unknown).status_code == 401  # nobody to name
    kinds = [r["kind"] for r in records(desk)
             if r["kind"].startswith(("call.", "access.", "order."))]
    assert kinds == ["order.proposed", "order.rejected", "access.denied"]
