"""Webhook notifications: written with the event, delivered signed to a receiver on
loopback (the example in scripts/) with retries after failures, once per event, and for
an order waiting too long (SQLite and PostgreSQL)."""

from __future__ import annotations

import dataclasses
import json
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gateway.bootstrap import _webhooks
from gateway.settings import Settings
from tests.servers import REPO, free_port
from tests.support import Desk, make_gateway, proposal

SECRET = "whsec-test-0123456789"


class Receiver:
    def __init__(self, fail_first: int) -> None:
        self.port = free_port()
        self.proc = subprocess.Popen(
            [sys.executable, str(REPO / "scripts/webhook_receiver.py"), "--port",
             str(self.port), "--fail-first", str(fail_first)],
            env={**os.environ, "GATEWAY_WEBHOOK_SECRET": SECRET}, stdout=subprocess.PIPE,
            text=True)
        self.lines: queue.Queue[dict[str, Any]] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        assert "listening" in self.next()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for text in self.proc.stdout:
            self.lines.put(json.loads(text))

    def next(self, timeout_s: float = 30) -> dict[str, Any]:
        return self.lines.get(timeout=timeout_s)

    def until_delivered(self, event: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        seen = []
        while True:
            line = self.next()
            seen.append(line)
            if line["event"] == event and line["status"] == 200:
                return line, seen


@pytest.fixture
def receiver(request: pytest.FixtureRequest) -> Iterator[Receiver]:
    r = Receiver(getattr(request, "param", 0))
    yield r
    r.proc.terminate()
    r.proc.wait(10)


def _desk(database_url: str, tmp_path: Path, receiver: Receiver,
          monkeypatch: pytest.MonkeyPatch, **extra: Any) -> Desk:
    monkeypatch.setenv("GATEWAY_WEBHOOK_SECRET", SECRET)
    gw = make_gateway(database_url, tmp_path)
    gw.settings = dataclasses.replace(
        gw.settings, webhook_urls=(f"http://127.0.0.1:{receiver.port}/hook",),
        webhook_backoff_s=0.05, **extra)
    gw.webhooks = _webhooks(gw.settings, gw.engine, gw.clock, gw.writer, gw.metrics)
    return Desk(gw)


@pytest.mark.parametrize("receiver", [2], indirect=True)
def test_a_halt_is_delivered_signed_after_two_failed_attempts(
        database_url: str, tmp_path: Path, receiver: Receiver,
        monkeypatch: pytest.MonkeyPatch) -> None:
    with _desk(database_url, tmp_path, receiver, monkeypatch) as desk:
        assert desk.client.post("/v1/halt", json={"reason": "drill"},
                                headers=desk.trader).status_code == 200
        line, seen = receiver.until_delivered("gateway.halted")
        assert [s["status"] for s in seen] == [500, 500, 200]
        assert all(s["verified"] for s in seen)
        assert len({s["id"] for s in seen}) == 1  # the same delivery id on every retry
        body = line["body"]
        assert body["reason"] == "drill" and body["actor"] == "operator:trader1"
        desk.client.post("/v1/resume", json={"reason": "clear"}, headers=desk.risk)
        resumed, _ = receiver.until_delivered("gateway.resumed")
        assert resumed["body"]["details"]["halt_reason"] == "drill"
        assert not resumed["repeat"] and not line["repeat"]


def test_an_order_waiting_too_long_is_notified_once(
        database_url: str, tmp_path: Path, receiver: Receiver,
        monkeypatch: pytest.MonkeyPatch) -> None:
    with _desk(database_url, tmp_path, receiver, monkeypatch,
               webhook_order_waiting_s=0.2) as desk:
        order = desk.client.post("/v1/orders", json=proposal(), headers=desk.bot).json()
        line, _ = receiver.until_delivered("order.waiting")
        assert line["body"]["order_id"] == order["id"]
        assert line["body"]["details"]["producer"] == "bot1"
        # Later scans find it already told: no second notification for the same order.
        time.sleep(0.3)  # let at least one more scan run (not a timing assertion)
        with pytest.raises(queue.Empty):
            receiver.next(timeout_s=1.5)


def test_webhooks_without_a_signing_secret_refuse_to_start(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("GATEWAY_WEBHOOK_SECRET", raising=False)
    monkeypatch.delenv("GATEWAY_SECRETS_FILE", raising=False)
    gw = make_gateway(f"sqlite:///{tmp_path}/gw.db", tmp_path)
    settings = dataclasses.replace(Settings(), webhook_urls=("http://127.0.0.1:9/x",))
    with pytest.raises(ValueError, match="GATEWAY_WEBHOOK_SECRET"):
        _webhooks(settings, gw.engine, gw.clock, gw.writer, gw.metrics)


def test_two_senders_never_claim_the_same_notification_and_a_crash_loses_none(
        database_url: str) -> None:
    from datetime import UTC, datetime, timedelta

    from gateway.adapters.store import outbox_repo
    from gateway.adapters.store.engine import make_engine
    from gateway.adapters.store.migrate import ensure_current

    engines = [make_engine(database_url), make_engine(database_url)]
    ensure_current(engines[0])
    now = datetime.now(UTC)
    with engines[0].begin() as conn:
        for i in range(40):
            outbox_repo.enqueue(conn, now, f"audit:{i}", "gateway.halted", {"i": i})
    claimed: list[list[str]] = [[], []]

    def sender(i: int) -> None:
        while batch := outbox_repo.claim_due(engines[i], now, lease_s=60, limit=3):
            claimed[i] += [n.key for n in batch]

    threads = [threading.Thread(target=sender, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(claimed[0] + claimed[1]) == sorted(f"audit:{i}" for i in range(40))
    assert not set(claimed[0]) & set(claimed[1])
    # Nobody settled them (the senders "crashed"): once the lease ends they are due again.
    again = outbox_repo.claim_due(engines[0], now + timedelta(seconds=61), lease_s=60,
                                  limit=100)
    assert len(again) == 40 and {n.attempts for n in again} == {2}
    for e in engines:
        e.dispose()


def test_delivered_notifications_are_pruned_after_keep_sent_and_others_stay(
        database_url: str) -> None:
    import asyncio
    from datetime import UTC, datetime, timedelta

    import sqlalchemy as sa

    from gateway.adapters.ccxt.config import Secret
    from gateway.adapters.store import outbox_repo
    from gateway.adapters.store.engine import make_engine
    from gateway.adapters.store.migrate import ensure_current
    from gateway.adapters.store.tables import notifications
    from gateway.adapters.webhook import WebhookSender

    engine = make_engine(database_url)
    ensure_current(engine)
    now = datetime.now(UTC)
    old, recent = now - timedelta(days=31), now - timedelta(days=29)
    with engine.begin() as conn:
        for key, status, sent_at in (("old-sent", "sent", old), ("recent-sent", "sent", recent),
                                     ("old-failed", "failed", None),
                                     ("old-pending", "pending", None)):
            outbox_repo.enqueue(conn, old, key, "gateway.halted", {"k": key})
            conn.execute(sa.update(notifications).where(notifications.c.key == key)
                         .values(status=status, sent_at=sent_at))
    sender = WebhookSender(engine, ("http://127.0.0.1:9/",), Secret("s"), lambda: now,
                           keep_sent=timedelta(days=30))
    assert asyncio.run(sender.prune()) == 1
    assert asyncio.run(sender.prune()) == 0  # not again within the hour
    with engine.connect() as conn:
        left = set(conn.execute(sa.select(notifications.c.key)).scalars())
    assert left == {"recent-sent", "old-failed", "old-pending"}
    engine.dispose()


def test_keep_sent_days_is_configurable_and_must_be_positive(tmp_path: Path) -> None:
    from pydantic import ValidationError

    from gateway.config import WebhooksConfig

    assert WebhooksConfig(keep_sent_days=7).keep_sent_days == 7
    with pytest.raises(ValidationError, match="keep_sent_days"):
        WebhooksConfig(keep_sent_days=0)


def test_failed_deliveries_are_logged_and_kept_without_the_urls_credentials(
        database_url: str, caplog: pytest.LogCaptureFixture) -> None:
    import asyncio
    from datetime import UTC, datetime

    import httpx
    import sqlalchemy as sa

    from gateway.adapters.ccxt.config import Secret
    from gateway.adapters.store import outbox_repo
    from gateway.adapters.store.engine import make_engine
    from gateway.adapters.store.migrate import ensure_current
    from gateway.adapters.store.tables import notifications
    from gateway.adapters.webhook import WebhookSender

    token = "tok3n-Zq8x"
    urls = (f"http://bot:{token}@127.0.0.1:{free_port()}/hook?token={token}",  # refused
            f"http://bot:pw/{token}@127.0.0.1/hook")  # httpx: "Invalid port: 'pw'"
    engine = make_engine(database_url)
    ensure_current(engine)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        outbox_repo.enqueue(conn, now, "audit:1", "gateway.halted", {"k": 1})
    sender = WebhookSender(engine, urls, Secret("s"), lambda: now)

    async def once() -> int:
        async with httpx.AsyncClient(timeout=5) as client:
            return await sender.deliver_due(client)

    with caplog.at_level("WARNING", logger="gateway.adapters.webhook.sender"):
        assert asyncio.run(once()) == 1
    with engine.connect() as conn:
        error = conn.execute(sa.select(notifications.c.last_error)).scalar_one()
    engine.dispose()
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "attempt 1 failed" in logged
    for said in (logged, error):
        assert "http://127.0.0.1:" in said and "/hook?token=***: ConnectError" in said
        assert "http://***: InvalidURL" in said
        assert token not in said and "bot" not in said and "pw" not in said
