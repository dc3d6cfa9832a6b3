"""Limits in force: reloads (audited with a diff, pending orders re-checked, invalid files
refused), one version across processes, explain without queuing, and the automatic halts
when the daily loss limit or the drawdown limit is reached."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gateway.api.app import create_app
from gateway.services import risk_monitor
from tests.fakes.exchange import FakeExchange
from tests.support import LIMITS, Desk, make_gateway, proposal, wait_for_state


@pytest.fixture
def desk(database_url: str, tmp_path: Path) -> Iterator[Desk]:
    with Desk(make_gateway(database_url, tmp_path)) as d:
        yield d


def _rewrite(desk: Desk, text: str) -> None:
    desk.gw.limits.path.write_text(text)


def test_reload_puts_new_limits_in_force_with_a_diff_and_rechecks_pending(desk: Desk) -> None:
    order = desk.client.post("/v1/orders", json=proposal(quantity="0.3"), headers=desk.bot).json()
    _rewrite(desk, LIMITS.replace('max_position: "0.5"', 'max_position: "0.2"'))

    r = desk.client.post("/v1/limits/reload", headers=desk.risk)

    assert r.status_code == 200, r.text
    body = r.json()
    assert body["changed"] is True
    assert body["diff"]["symbols.BTC/USDT.max_position"] == {"before": "0.5", "after": "0.2"}
    assert body["reevaluated"] == [{"order_id": order["id"], "passed": False}]
    fresh = desk.client.get(f"/v1/orders/{order['id']}", headers=desk.trader).json()
    assert fresh["version"] == order["version"] + 1
    assert fresh["limits_version"] == body["version"]
    assert not next(c for c in fresh["checks"] if c["name"] == "max_position")["passed"]
    # What the trader saw is no longer what is there: the approval is refused.
    stale = desk.client.post(f"/v1/orders/{order['id']}/approve",
                             json={"version": order["version"]}, headers=desk.trader)
    assert stale.status_code == 409
    now = desk.client.post(f"/v1/orders/{order['id']}/approve",
                           json={"version": fresh["version"]}, headers=desk.trader)
    assert now.status_code == 422  # re-checked at approval against the limits in force
    changed = desk.client.get("/v1/audit", params={"kind": "limits.changed"},
                              headers=desk.trader).json()["events"]
    assert changed[-1]["actor"] == "operator:risk1"


def test_an_invalid_file_keeps_the_limits_in_force_and_says_why(desk: Desk) -> None:
    before = desk.client.get("/v1/status", headers=desk.trader).json()["limits_version"]
    _rewrite(desk, LIMITS + "\nmax_leverage: 100\n")

    r = desk.client.post("/v1/limits/reload", headers=desk.risk)

    assert r.status_code == 422
    assert r.json()["error"]["details"][0]["key"] == "max_leverage"
    assert desk.client.get("/v1/status", headers=desk.trader).json()["limits_version"] == before
    refused = desk.client.get("/v1/audit", params={"kind": "limits.reload_refused"},
                              headers=desk.trader).json()["events"]
    assert len(refused) == 1


def test_traders_and_producers_cannot_reload_limits(desk: Desk) -> None:
    assert desk.client.post("/v1/limits/reload", headers=desk.trader).status_code == 403
    assert desk.client.post("/v1/limits/reload", headers=desk.bot).status_code == 403


def test_another_process_follows_the_limits_put_in_force(database_url: str,
                                                         tmp_path: Path) -> None:
    first = make_gateway(database_url, tmp_path / "a")
    second = make_gateway(database_url, tmp_path / "b")
    with Desk(first) as desk, TestClient(create_app(second)) as other:
        other.auth = desk.client.auth  # producers sign every request
        _rewrite(desk, LIMITS.replace('max_position: "0.5"', 'max_position: "0.2"'))
        assert desk.client.post("/v1/limits/reload", headers=desk.risk).status_code == 200
        r = other.post("/v1/orders", json=proposal(quantity="0.3"), headers=desk.bot)
        assert r.status_code == 422
        assert any(c["name"] == "max_position" and c["limit"] == "0.2"
                   for c in r.json()["error"]["details"]["checks"])


def test_explain_shows_the_deciding_rule_and_queues_nothing(desk: Desk) -> None:
    body = {"symbol": "BTC/USDT", "side": "buy", "quantity": "0.6", "limit_price": "40000"}
    assert desk.client.post("/v1/limits/explain", json=body,
                            headers=desk.bot).status_code == 403  # bots may not probe
    r = desk.client.post("/v1/limits/explain", json={**body, "producer": "bot1"},
                         headers=desk.trader)
    assert r.status_code == 200
    assert r.json()["passed"] is False
    assert set(r.json()["deciding"]) == {"max_order_notional", "max_position"}
    assert desk.client.get("/v1/orders", headers=desk.bot).json()["orders"] == []


def test_reaching_the_daily_loss_limit_halts_trading_automatically(database_url: str,
                                                                   tmp_path: Path) -> None:
    venue = FakeExchange()
    gw = make_gateway(database_url, tmp_path,
                      limits=LIMITS + 'daily_loss_limit: "500"\n', exchange=venue)
    with Desk(gw) as desk:
        desk.client.portal.call(gw.writer.run, risk_monitor.tick)  # the session starts flat
        order = desk.client.post("/v1/orders", json=proposal(quantity="0.1"),
                                 headers=desk.bot).json()
        desk.client.post(f"/v1/orders/{order['id']}/approve", json={}, headers=desk.trader)
        assert wait_for_state(desk.client, desk.trader, order["id"], {"filled"})["state"] == \
            "filled"
        venue.prices["BTC/USDT"] = Decimal("34000")  # 0.1 BTC bought at 40,000: -600
        desk.client.portal.call(gw.prices.update, desk.client.portal.call(
            venue.fetch_ticker, "BTC/USDT"))

        figures = desk.client.portal.call(gw.writer.run, risk_monitor.tick)

        assert figures["session_pnl"] == Decimal("-600")
        halt = desk.client.get("/v1/status", headers=desk.trader).json()["halt"]
        assert (halt["halted"], halt["actor"], halt["rule"]) == (
            True, "system:daily_loss_limit", "daily_loss_limit")
        assert "600" in halt["reason"] and "500" in halt["reason"]
        r = desk.client.post("/v1/orders", json=proposal(quantity="0.01"), headers=desk.bot)
        assert r.status_code == 503
        bars = {u["name"]: u for u in desk.client.get(
            "/v1/desk/utilisation", headers=desk.trader).json()["usage"]}
        assert (bars["daily loss"]["used"], bars["daily loss"]["limit"]) == ("600", "500")



def test_a_fall_from_the_session_peak_past_max_drawdown_halts_trading_automatically(
        database_url: str, tmp_path: Path) -> None:
    venue = FakeExchange()
    gw = make_gateway(database_url, tmp_path,
                      limits=LIMITS + 'max_drawdown: "500"\n', exchange=venue)

    def mark(price: str) -> dict[str, Decimal]:
        venue.prices["BTC/USDT"] = Decimal(price)
        desk.client.portal.call(gw.prices.update, desk.client.portal.call(
            venue.fetch_ticker, "BTC/USDT"))
        figures: dict[str, Decimal] = desk.client.portal.call(gw.writer.run,
                                                              risk_monitor.tick)
        return figures

    with Desk(gw) as desk:
        desk.client.portal.call(gw.writer.run, risk_monitor.tick)  # the session starts flat
        order = desk.client.post("/v1/orders", json=proposal(quantity="0.1"),
                                 headers=desk.bot).json()
        desk.client.post(f"/v1/orders/{order['id']}/approve", json={}, headers=desk.trader)
        assert wait_for_state(desk.client, desk.trader, order["id"], {"filled"})["state"] == \
            "filled"
        assert mark("46000")["session_pnl"] == Decimal("600")  # the peak: +600
        assert mark("41001")["drawdown"] == Decimal("499.9")  # short of the limit
        assert not desk.client.get("/v1/status", headers=desk.trader).json()["halt"]["halted"]

        figures = mark("41000")  # still +100 on the day, but 500 below the peak

        assert (figures["session_pnl"], figures["drawdown"]) == (Decimal("100"),
                                                                 Decimal("500"))
        halt = desk.client.get("/v1/status", headers=desk.trader).json()["halt"]
        assert (halt["halted"], halt["actor"], halt["rule"]) == (
            True, "system:max_drawdown", "max_drawdown")
        assert "500" in halt["reason"] and "max_drawdown" in halt["reason"]
        [breach] = desk.client.get("/v1/audit", params={"kind": "risk.breach"},
                                   headers=desk.trader).json()["events"]
        assert breach["payload"]["rule"] == "max_drawdown"
        assert Decimal(breach["payload"]["drawdown"]) == Decimal("500")
        r = desk.client.post("/v1/orders", json=proposal(quantity="0.01"), headers=desk.bot)
        assert r.status_code == 503

def test_a_suspension_made_in_one_process_binds_another_at_once(database_url: str,
                                                                  tmp_path: Path) -> None:
    from gateway.services import principals

    first = make_gateway(database_url, tmp_path / "a")
    second = make_gateway(database_url, tmp_path / "b")
    with Desk(first) as desk, TestClient(create_app(second)) as other:
        other.auth = desk.client.auth
        # The second process has just authenticated the bot (and may cache it as active).
        assert other.post("/v1/orders", json=proposal(quantity="0.01"),
                          headers=desk.bot).status_code == 201
        desk.client.portal.call(first.writer.run, lambda uow: principals.set_status(
            uow, "bot1", "suspended", "operator:admin", "probing"))

        r = other.post("/v1/orders", json=proposal(quantity="0.01"), headers=desk.bot)

        assert r.status_code == 403
        assert r.json()["error"]["code"] == "quarantined"
