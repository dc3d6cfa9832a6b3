"""Reading the audit trail: the API pages and filters it and exports it whole; the CLI tells
one order's life and exports by time. Every exported record carries what re-checks it."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from gateway.adapters.store.audit import canonical, chain_hash
from gateway.adapters.store.engine import make_engine
from gateway.adapters.store.migrate import ensure_current
from gateway.adapters.store.uow import UnitOfWork
from gateway.adapters.store.writer import execute_batch
from gateway.ports.clock import FakeClock
from tests.support import Desk, make_gateway

from .audit_db import cli

T0 = datetime(2020, 1, 2, 6, 0, tzinfo=UTC)  # long before the desk's own records
# (minute, kind, actor, order_id, reason): a small order story among other events.
EVENTS = [
    (0, "producer.added", "admin:cli", None, None),
    (1, "order.proposed", "producer:bot1", "ord_a", None),
    (2, "order.queued", "system:intake", "ord_a", None),
    (3, "order.proposed", "producer:bot1", "ord_b", None),
    (4, "order.denied", "operator:tina", "ord_a", "too big, \"really\""),
    (5, "halt.set", "operator:tina", None, "venue outage"),
]


def seed(engine: Engine) -> None:
    for minute, kind, actor, order_id, reason in EVENTS:
        def job(uow: UnitOfWork, kind: str = kind, actor: str = actor,
                order_id: str | None = order_id, reason: str | None = reason) -> None:
            uow.audit.append(uow.now, kind, actor, order_id=order_id, reason=reason,
                             payload={"from": "pending_approval"} if kind == "order.denied"
                             else {"quantity": "0.1"})
        [(_, error)] = execute_batch(engine, FakeClock(T0 + timedelta(minutes=minute)),
                                     {}, [job])
        assert error is None


@pytest.fixture
def desk(database_url: str, tmp_path: Path) -> Iterator[Desk]:
    with Desk(make_gateway(database_url, tmp_path)) as d:
        seed(d.gw.engine)
        yield d


def seeded_kinds(lo: int = 0, hi: int = 99) -> list[str]:
    return [e[1] for e in EVENTS if lo <= e[0] < hi]


def ours(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Only the seeded records (the desk's own registrations are audited too)."""
    return [e for e in events if e["ts"] < "2021"]


def test_pages_follow_next_after_through_every_record_once(desk: Desk) -> None:
    seen: list[int] = []
    after: int | None = 0
    while after is not None:
        page = desk.client.get("/v1/audit", params={"after": after, "limit": 2},
                               headers=desk.trader).json()
        seen += [e["seq"] for e in page["events"]]
        after = page["next_after"]
    assert seen == sorted(seen) and len(seen) == len(set(seen))
    total = desk.client.get("/v1/audit", params={"limit": 1000}, headers=desk.trader).json()
    assert seen == [e["seq"] for e in total["events"]]


def test_since_and_until_select_a_time_window(desk: Desk) -> None:
    r = desk.client.get("/v1/audit", headers=desk.trader, params={
        "since": (T0 + timedelta(minutes=1)).isoformat(),
        "until": (T0 + timedelta(minutes=4)).isoformat()})
    assert [e["kind"] for e in r.json()["events"]] == seeded_kinds(1, 4)
    east = timezone(timedelta(hours=2))  # the same instants, written in another zone
    r = desk.client.get("/v1/audit", headers=desk.trader, params={
        "since": (T0 + timedelta(minutes=1)).astimezone(east).isoformat(),
        "until": (T0 + timedelta(minutes=4)).astimezone(east).isoformat()})
    assert [e["kind"] for e in r.json()["events"]] == seeded_kinds(1, 4)


def test_one_orders_records_come_in_order_with_reasons_and_links(desk: Desk) -> None:
    events = desk.client.get("/v1/audit", params={"order_id": "ord_a"},
                             headers=desk.trader).json()["events"]
    assert [e["kind"] for e in events] == ["order.proposed", "order.queued", "order.denied"]
    assert events[-1]["reason"] == 'too big, "really"'
    assert all(len(e["prev_hash"]) == 64 for e in events)


def test_the_jsonl_export_re_verifies_record_by_record(desk: Desk) -> None:
    r = desk.client.get("/v1/audit/export", headers=desk.trader)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/x-ndjson")
    records = [json.loads(line) for line in r.text.splitlines()]
    assert [e["kind"] for e in ours(records)] == seeded_kinds()
    prev = "0" * 64
    for rec in records:
        body = canonical({k: rec[k] for k in ("ts", "kind", "actor", "order_id", "reason",
                                              "payload")})
        assert rec["prev_hash"] == prev
        assert chain_hash(prev, rec["seq"], body) == rec["hash"]
        prev = rec["hash"]


def test_the_csv_export_filters_and_parses_with_the_csv_module(desk: Desk) -> None:
    r = desk.client.get("/v1/audit/export", headers=desk.trader,
                        params={"format": "csv", "kind": "order."})
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [row["kind"] for row in rows] == seeded_kinds(1, 5)
    assert json.loads(rows[0]["payload"]) == {"quantity": "0.1"}
    assert rows[-1]["reason"] == 'too big, "really"'


def test_producers_cannot_read_or_export_the_audit_trail(desk: Desk) -> None:
    for path in ("/v1/audit", "/v1/audit/export"):
        assert desk.client.get(path, headers=desk.bot).status_code == 403


Run = Callable[..., tuple[int, Any]]


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        database_url: str) -> Run:
    # The CLI reads the database directly: no server, just a migrated, seeded database.
    engine = make_engine(database_url)
    ensure_current(engine)
    seed(engine)
    engine.dispose()

    def go(*argv: str) -> tuple[int, Any]:
        return cli(monkeypatch, capsys, database_url, *argv)
    return go


def test_audit_show_tells_one_order_in_order(run: Run,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    code, data = run("audit", "show", "ord_a")
    assert code == 0
    assert [e["kind"] for e in data["events"]] == ["order.proposed", "order.queued",
                                                   "order.denied"]
    from gateway.cli.main import main

    assert main(["audit", "show", "ord_a"]) == 0
    text = capsys.readouterr().out
    assert text.splitlines()[0] == "ord_a: 3 audit records, oldest first"
    assert text.index("proposed") < text.index("queued") < text.index("denied")
    assert '    reason: too big, "really"' in text
    assert "(pending_approval -> denied)" in text


def test_audit_show_of_an_unknown_order_exits_non_zero(run: Run) -> None:
    assert run("audit", "show", "ord_nope")[0] == 1


def test_audit_export_writes_a_time_window_as_csv(run: Run, tmp_path: Path) -> None:
    out = tmp_path / "audit.csv"
    code, _ = run("audit", "export", "--since", (T0 + timedelta(minutes=3)).isoformat(),
                  "--until", "2021-01-01", "--format", "csv", "--output", str(out))
    assert code == 0
    assert [r["kind"] for r in csv.DictReader(out.open())] == seeded_kinds(3)


def test_audit_export_refuses_a_time_it_cannot_read(run: Run) -> None:
    assert run("audit", "export", "--since", "yesterday")[0] == 1


def test_audit_anchor_prints_the_head_that_verify_then_accepts(run: Run) -> None:
    _, anchor = run("audit", "anchor")
    code, report = run("audit", "verify", "--anchor", anchor["anchor"])
    assert code == 0 and report["verified_head"] == anchor["anchor"]
