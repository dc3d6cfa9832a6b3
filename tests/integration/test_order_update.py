"""An order update writes only the columns that changed, and the row then reads back as the
order written; a write against a version the row has left is refused (SQLite, PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from gateway.adapters.store import orders_repo
from gateway.adapters.store.uow import UnitOfWork
from gateway.domain.orders import Order, OrderState
from tests.support import Desk, make_gateway, proposal


@pytest.fixture
def desk(database_url: str, tmp_path: Path) -> Iterator[Desk]:
    gw = make_gateway(database_url, tmp_path)
    d = Desk(gw, run_executor=False)
    with d:
        yield d


def write(desk: Desk, order_id: str, **changes: object) -> Order:
    def job(uow: UnitOfWork) -> Order:
        before = orders_repo.get_order(uow.conn, order_id)
        assert before is not None
        after = before.evolve(version=before.version + 1, updated_at=uow.now, **changes)
        orders_repo.update_order(uow.conn, before, after)
        return after
    assert desk.client.portal is not None
    written: Order = desk.client.portal.call(desk.gw.writer.run, job)
    return written


def read(desk: Desk, order_id: str) -> Order:
    with desk.gw.engine.connect() as conn:
        order = orders_repo.get_order(conn, order_id)
    assert order is not None
    return order


def test_the_row_reads_back_as_the_order_written(desk: Desk) -> None:
    r = desk.client.post("/v1/orders", json=proposal(quantity="0.10"), headers=desk.bot)
    order_id = r.json()["id"]
    written = write(desk, order_id, state=OrderState.APPROVED, approved_by="trader1",
                    reason="checked", limit_price=Decimal("39999.5"))
    assert read(desk, order_id) == written
    # Equal in value, other in text: still written, the row keeps what the order says.
    restated = write(desk, order_id, quantity=Decimal("0.1"))
    assert str(read(desk, order_id).quantity) == str(restated.quantity) == "0.1"


def test_a_write_against_a_version_the_row_has_left_is_refused(desk: Desk) -> None:
    r = desk.client.post("/v1/orders", json=proposal(), headers=desk.bot)
    stale = read(desk, r.json()["id"])
    write(desk, stale.id, reason="moved on")

    def job(uow: UnitOfWork) -> None:
        orders_repo.update_order(uow.conn, stale, stale.evolve(version=stale.version + 1))
    assert desk.client.portal is not None
    with pytest.raises(RuntimeError, match="changed under the writer"):
        desk.client.portal.call(desk.gw.writer.run, job)
