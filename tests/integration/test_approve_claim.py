"""The approving transaction claims the order for sending (SQLite and PostgreSQL): both moves
keep their audit records, the row is written once, and a halt read under the same lock
still stops the claim."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from gateway.adapters.store import orders_repo
from gateway.adapters.store.uow import UnitOfWork
from gateway.domain.orders import Order, OrderState
from gateway.services import approvals, execution, halt
from gateway.services.errors import HaltedError
from gateway.services.transitions import load, recheck, transition
from tests.support import Desk, make_gateway, proposal


@pytest.fixture
def desk(database_url: str, tmp_path: Path) -> Iterator[Desk]:
    gw = make_gateway(database_url, tmp_path)
    # No executor: nothing claims or sends behind the test's back.
    d = Desk(gw, run_executor=False)
    with d:
        yield d


def propose(desk: Desk) -> dict[str, Any]:
    r = desk.client.post("/v1/orders", json=proposal(quantity="0.01"), headers=desk.bot)
    assert r.status_code == 201, r.text
    return dict(r.json())


def run(desk: Desk, job: Any) -> Any:
    assert desk.client.portal is not None
    return desk.client.portal.call(desk.gw.writer.run, job)


def kinds(desk: Desk, order_id: str) -> list[str]:
    events = desk.client.get("/v1/audit", params={"order_id": order_id},
                             headers=desk.trader).json()["events"]
    return [e["kind"] for e in events]


def stored(desk: Desk, order_id: str) -> tuple[Order | None, str | None]:
    with desk.gw.engine.connect() as conn:
        return (orders_repo.get_order(conn, order_id),
                orders_repo.claimed_by(conn, order_id))


def test_approve_and_claim_write_the_row_once_with_both_audit_records(desk: Desk) -> None:
    order = propose(desk)
    updates: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("UPDATE ORDERS"):
            updates.append(statement)

    event.listen(desk.gw.engine, "before_cursor_execute", count)
    try:
        claimed = run(desk, lambda uow: approvals.approve(
            uow, order["id"], "trader1", order["version"], *uow.limits(), send_by="gw-a"))
    finally:
        event.remove(desk.gw.engine, "before_cursor_execute", count)

    assert claimed.state is OrderState.SENDING and len(updates) == 1
    row, claimer = stored(desk, order["id"])
    assert row is not None and claimer == "gw-a"
    assert row.state is OrderState.SENDING and row.version == order["version"] + 2
    assert row.approved_by == "trader1" and row.decided_at is not None
    with desk.gw.engine.connect() as conn:
        assert orders_repo.stored_checks(conn, order["id"])  # the approval's re-check
    assert kinds(desk, order["id"])[-2:] == ["order.approved", "order.sending"]


def test_a_halt_read_in_the_claiming_transaction_leaves_the_order_approved(
        desk: Desk) -> None:
    order = propose(desk)

    def approve_halt_then_claim(uow: UnitOfWork) -> Order:
        # The approval's own moves, then a halt under the same lock before the claim: the
        # claim must see it, and the approval (not yet written) must still be stored.
        before = load(uow, order["id"])
        limits, version = uow.limits()
        checks = recheck(uow, before, limits).checks
        approved = transition(uow, before, OrderState.APPROVED, "operator:trader1",
                              checks=checks, approved_by="trader1", decided_at=uow.now,
                              write=False)
        halt.set_halt(uow, "risk:test", "drill")
        return execution.claim_checked(uow, approved, version, "gw-a", checks,
                                       stored=before)

    result = run(desk, approve_halt_then_claim)
    assert result.state is OrderState.APPROVED
    row, claimer = stored(desk, order["id"])
    assert row is not None and row.state is OrderState.APPROVED and claimer is None
    assert row.version == order["version"] + 1 and row.approved_by == "trader1"
    assert "order.sending" not in kinds(desk, order["id"])


def test_an_approval_under_a_halt_is_refused_and_claims_nothing(desk: Desk) -> None:
    order = propose(desk)
    assert desk.client.post("/v1/halt", json={"reason": "drill"},
                            headers=desk.risk).status_code == 200
    with pytest.raises(HaltedError):
        run(desk, lambda uow: approvals.approve(
            uow, order["id"], "trader1", None, *uow.limits(), send_by="gw-a"))
    row, claimer = stored(desk, order["id"])
    assert row is not None and claimer is None
    assert row.state in (OrderState.PENDING_APPROVAL, OrderState.CANCELLED)
    assert "order.sending" not in kinds(desk, order["id"])
