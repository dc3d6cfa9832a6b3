"""Seeing inside: after a lifecycle through the API, /metrics counts what happened, /readyz
flips with the global halt and lists every halt, and the log has one line per decision and
per refused call, without a secret (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.support import Desk, make_gateway, proposal, wait_for_state


@pytest.fixture
def desk(database_url: str, tmp_path: Path) -> Iterator[Desk]:
    with Desk(make_gateway(database_url, tmp_path)) as d:
        yield d


def scrape(desk: Desk) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    r = desk.client.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(r.text) for s in family.samples}


def _lifecycle(desk: Desk) -> tuple[str, str]:
    queued = [desk.client.post("/v1/orders", json=proposal(), headers=desk.bot).json()
              for _ in range(2)]
    refused = desk.client.post("/v1/orders", json=proposal(quantity="0.9"), headers=desk.bot)
    assert refused.status_code == 422
    approve, deny = queued
    r = desk.client.post(f"/v1/orders/{approve['id']}/approve",
                         json={"version": approve["version"]}, headers=desk.trader)
    assert r.status_code == 200, r.text
    r = desk.client.post(f"/v1/orders/{deny['id']}/deny", json={"reason": "not today"},
                         headers=desk.trader2)
    assert r.status_code == 200, r.text
    assert wait_for_state(desk.client, desk.trader, approve["id"], {"filled"})["state"] == (
        "filled")
    return approve["id"], deny["id"]


def _wait_for(desk: Desk, key: tuple[str, tuple[tuple[str, str], ...]],
              value: float) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    # Counters follow the commit on the writer thread: bounded wait, not a timing check.
    deadline = time.monotonic() + 15
    while True:
        seen = scrape(desk)
        if seen.get(key) == value or time.monotonic() > deadline:
            return seen
        time.sleep(0.05)


def test_metrics_scraped_after_a_lifecycle_show_the_right_counts(desk: Desk) -> None:
    _lifecycle(desk)
    m = _wait_for(desk, ("gateway_order_events_total", (("event", "filled"),)), 1)
    assert m[("gateway_proposals_total", (("outcome", "queued"),))] == 2
    assert m[("gateway_proposals_total", (("outcome", "refused"),))] == 1
    assert m[("gateway_proposal_refusals_total", (("check", "max_position"),))] == 1
    assert m[("gateway_operator_decisions_total",
              (("decision", "approved"), ("operator", "trader1")))] == 1
    assert m[("gateway_operator_decisions_total",
              (("decision", "denied"), ("operator", "trader2")))] == 1
    assert m[("gateway_decision_seconds_count", (("decision", "approved"),))] == 1
    assert m[("gateway_order_events_total", (("event", "sending"),))] == 1
    assert m[("gateway_venue_request_seconds_count", (("call", "create_order"),))] >= 1
    assert m[("gateway_pending_orders", ())] == 0
    assert m[("gateway_database_up", ())] == 1
    head = desk.client.get("/v1/audit", params={"after": 0, "limit": 1000},
                           headers=desk.trader).json()["events"][-1]["seq"]
    assert m[("gateway_audit_head_seq", ())] == head

    waiting = desk.client.post("/v1/orders", json=proposal(), headers=desk.bot).json()
    m = scrape(desk)
    assert m[("gateway_pending_orders", ())] == 1
    assert m[("gateway_oldest_pending_age_seconds", ())] >= 0
    desk.client.post(f"/v1/orders/{waiting['id']}/cancel", json={"reason": "done"},
                     headers=desk.trader)

    assert desk.client.post("/v1/halt", json={"reason": "drill"},
                            headers=desk.trader).status_code == 200
    m = _wait_for(desk, ("gateway_halts_total", ()), 1)
    assert m[("gateway_halted", ())] == 1


def test_readiness_reports_each_check_and_flips_with_the_halt(desk: Desk) -> None:
    ready = desk.client.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert set(ready.json()["checks"]) == {"database", "venue", "limits", "halt"}
    assert all(c["ok"] for c in ready.json()["checks"].values())
    assert ready.json()["halts"] == {"global": None, "symbols": [], "producers": []}
    desk.client.post("/v1/halt", json={"reason": "drill"}, headers=desk.trader)
    halted = desk.client.get("/readyz")
    assert halted.status_code == 503
    checks = halted.json()["checks"]
    assert checks["halt"] == {"ok": False, "detail": "halted: drill"}
    assert checks["database"]["ok"] and checks["venue"]["ok"] and checks["limits"]["ok"]
    desk.client.post("/v1/resume", json={"reason": "clear"}, headers=desk.risk)
    assert desk.client.get("/readyz").status_code == 200


def _halts(desk: Desk) -> tuple[int, dict[str, object], dict[str, list[dict[str, object]]]]:
    r = desk.client.get("/readyz")
    return r.status_code, r.json()["checks"]["halt"], r.json()["halts"]


def _listed(halts: list[dict[str, object]]) -> list[tuple[object, object, datetime]]:
    return [(h["target"], h["reason"], datetime.fromisoformat(str(h["since"]))) for h in halts]


def test_readiness_lists_scoped_halts_as_status_does_and_stays_ready_for_them(
        desk: Desk) -> None:
    for body in ({"reason": "feed broken", "symbol": "BTC/USDT"},
                 {"reason": "loops", "producer": "bot1"}):
        assert desk.client.post("/v1/halt", json=body, headers=desk.trader).status_code == 200
    status, check, halts = _halts(desk)
    assert status == 200  # a narrow halt does not take the process out of the balancer
    assert check == {"ok": True, "detail": "trading, except symbol BTC/USDT, producer bot1"}
    assert halts["global"] is None
    scoped = desk.client.get("/v1/status", headers=desk.trader).json()["halts"]
    for scope, key in (("symbol", "symbols"), ("producer", "producers")):
        assert _listed(halts[key]) == _listed([h for h in scoped if h["scope"] == scope])
    assert [h["target"] for h in halts["symbols"]] == ["BTC/USDT"]
    assert [h["target"] for h in halts["producers"]] == ["bot1"]
    assert "trader1" not in desk.client.get("/readyz").text  # who halted: status only
    m = scrape(desk)
    assert m[("gateway_scoped_halts", (("scope", "symbol"),))] == 1
    assert m[("gateway_scoped_halts", (("scope", "producer"),))] == 1
    assert m[("gateway_halted", ())] == 0

    desk.client.post("/v1/halt", json={"reason": "drill"}, headers=desk.trader)
    status, check, halts = _halts(desk)
    assert (status, check) == (503, {"ok": False, "detail": "halted: drill"})
    assert halts["global"]["reason"] == "drill"  # type: ignore[index]
    assert len(halts["symbols"]) == len(halts["producers"]) == 1  # still listed beneath it

    for body in ({"reason": "ok"}, {"reason": "ok", "symbol": "BTC/USDT"}):
        assert desk.client.post("/v1/resume", json=body, headers=desk.risk).status_code == 200
    status, check, halts = _halts(desk)
    assert (status, check["detail"], halts["symbols"]) == (200, "trading, except producer "
                                                           "bot1", [])


def test_operator_auth_on_metrics_refuses_anonymous_scrapes(database_url: str,
                                                            tmp_path: Path) -> None:
    import dataclasses

    gw = make_gateway(database_url, tmp_path)
    gw.settings = dataclasses.replace(gw.settings, metrics_auth="operator")
    with Desk(gw) as d:
        assert d.client.get("/metrics").status_code == 401
        assert d.client.get("/metrics", headers=d.bot).status_code == 403
        assert d.client.get("/metrics", headers=d.trader).status_code == 200


def test_the_log_has_one_line_per_decision_and_no_secret(
        desk: Desk, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    approved, denied = _lifecycle(desk)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and not any(
            getattr(r, "fields", {}).get("event") == "order.filled" for r in caplog.records):
        time.sleep(0.05)
    lines = [r.fields for r in caplog.records if r.name == "gateway.decisions"]  # type: ignore[attr-defined]
    by = {(f["event"], f.get("order_id")): f for f in lines}
    assert by[("order.queued", approved)]["producer"] == "bot1"
    assert by[("order.approved", approved)]["operator"] == "trader1"
    assert by[("order.approved", approved)]["producer"] == "bot1"
    assert by[("order.denied", denied)]["operator"] == "trader2"
    assert by[("order.denied", denied)]["reason"] == "not today"
    for event in ("order.sending", "order.filled"):
        assert by[(event, approved)]["producer"] == "bot1"
    assert sum(1 for f in lines if f["event"] == "order.rejected") == 1
    assert sum(1 for f in lines if f["event"] == "order.approved") == 1
    text = "\n".join(r.getMessage() + json.dumps(getattr(r, "fields", {}), default=str)
                     for r in caplog.records)
    for header in (desk.bot, desk.trader, desk.trader2, desk.risk):
        credential = header["Authorization"].split(" ", 1)[1]
        assert credential not in text
        assert credential.split(".")[-1] not in text  # a producer's signing secret


def _refused_lines(caplog: pytest.LogCaptureFixture, n: int) -> list[dict[str, object]]:
    deadline = time.monotonic() + 15  # lines follow the commit: a bound, not a timing check
    while True:
        found = [r.fields for r in caplog.records  # type: ignore[attr-defined]
                 if getattr(r, "fields", {}).get("event") == "call.refused"]
        if len(found) >= n or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def test_each_refused_call_is_one_log_line_and_counted_by_code_and_role(
        desk: Desk, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    order = desk.client.post("/v1/orders", json=proposal(), headers=desk.bot).json()
    stale = desk.client.post(f"/v1/orders/{order['id']}/approve", json={"version": 7},
                             headers=desk.trader)
    assert stale.status_code == 409
    marker = "do-not-log-this-rationale"
    bad = desk.client.post("/v1/orders", json=proposal(quantity=0.1, rationale=marker),
                           headers=desk.bot)
    assert bad.status_code == 422
    m = _wait_for(desk, ("gateway_refused_calls_total",
                         (("code", "validation_error"), ("role", "producer"))), 1)
    assert m[("gateway_refused_calls_total", (("code", "conflict"), ("role", "trader")))] == 1

    fields = _refused_lines(caplog, 2)
    assert fields == [
        {"event": "call.refused", "decision": "refused call", "audit_seq": fields[0]["audit_seq"],
         "order_id": order["id"], "operator": "trader1", "role": "trader", "method": "POST",
         "path": f"/v1/orders/{order['id']}/approve", "status": 409, "code": "conflict"},
        {"event": "call.refused", "decision": "refused call", "audit_seq": fields[1]["audit_seq"],
         "producer": "bot1", "role": "producer", "method": "POST", "path": "/v1/orders",
         "status": 422, "code": "validation_error"}]
    text = "\n".join(r.getMessage() + json.dumps(getattr(r, "fields", {}), default=str)
                     for r in caplog.records if r.name == "gateway.decisions")
    assert marker not in text and "not a JSON number" not in text  # neither body nor message
    for header in (desk.bot, desk.trader):
        credential = header["Authorization"].split(" ", 1)[1]
        assert credential not in text and credential.split(".")[-1] not in text


def test_a_load_balancer_check_can_ignore_the_halt_so_the_desk_and_resume_stay_reachable(
        desk: Desk) -> None:
    desk.client.post("/v1/halt", json={"reason": "drill"}, headers=desk.trader)
    assert desk.client.get("/readyz").status_code == 503
    lb = desk.client.get("/readyz", params={"ignore": "halt,venue"})
    assert lb.status_code == 200, lb.text
    assert lb.json()["checks"]["halt"] == {"ok": False, "detail": "halted: drill"}  # still told
    assert lb.json()["ignored"] == ["halt", "venue"]
    # The database, the limits and shutting down always decide.
    refused = desk.client.get("/readyz", params={"ignore": "database"})
    assert refused.status_code == 422
    assert refused.json()["error"]["field"] == "ignore"
    assert "database" in refused.json()["error"]["message"]


def test_orders_a_halt_withdraws_are_logged_with_their_producer(
        desk: Desk, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    order = desk.client.post("/v1/orders", json=proposal(), headers=desk.bot).json()
    r = desk.client.post("/v1/halt", json={"reason": "drill"}, headers=desk.risk)
    assert r.status_code == 200, r.text
    assert wait_for_state(desk.client, desk.trader, order["id"], {"cancelled"})["state"] == (
        "cancelled")
    deadline = time.monotonic() + 15  # lines follow the commit: a bound, not a timing check
    while True:
        found = [r.fields for r in caplog.records  # type: ignore[attr-defined]
                 if getattr(r, "fields", {}).get("event") == "order.cancelled"]
        if found or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    [line] = found
    assert line["order_id"] == order["id"] and line["producer"] == "bot1"
