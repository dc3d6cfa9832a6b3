"""Order rows to domain values and back. All writes run inside the writer's transaction."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Row,
    and_,
    bindparam,
    false,
    not_,
    or_,
    select,
    update,
)

from gateway.domain.decision import CheckResult
from gateway.domain.halts import FLATTEN_PRODUCER, HaltBook
from gateway.domain.orders import RESERVING_STATES, Order, OrderState, OrderType, Side
from gateway.domain.risk import Reservation

from .bulk import BulkInsert
from .canonical import canonical
from .tables import orders

if TYPE_CHECKING:
    from .uow import UnitOfWork

_FIELDS = (
    "id", "producer", "symbol", "quantity", "limit_price", "version", "created_at",
    "updated_at", "expires_at", "filled_quantity", "average_fill_price", "fees",
    "idempotency_key", "client_order_id", "venue_order_id", "reason", "limits_version",
    "rationale", "confidence", "approved_by", "decided_at", "venue", "scope_version", "origin",
)


def _utc(value: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; everything in the gateway is UTC-aware.
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def order_from_row(row: Row[Any]) -> Order:
    m = row._mapping
    values: dict[str, Any] = {f: m[f] for f in _FIELDS}
    for f in ("created_at", "updated_at", "expires_at", "decided_at"):
        values[f] = _utc(values[f])
    return Order(side=Side(m["side"]), type=OrderType(m["type"]), state=OrderState(m["state"]),
                 **values)


def checks_from_row(row: Row[Any]) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads(row._mapping["checks"])
    return data


def stored_checks(conn: Connection, order_id: str) -> list[CheckResult]:
    """The findings an order was last checked with, as stored (observed and limit as text)."""
    row = get_row(conn, order_id)
    return [] if row is None else [CheckResult(**d) for d in checks_from_row(row)]


def _values(order: Order) -> dict[str, Any]:
    values = {f: getattr(order, f) for f in _FIELDS}
    values.update(side=order.side.value, type=order.type.value, state=order.state.value)
    return values


def encode_checks(checks: Iterable[CheckResult]) -> str:
    """Check results as stored: canonical JSON, so the same text can go into the proposal's
    audit record and its response unchanged (see canonical.Encoded)."""
    return canonical([c.as_dict() for c in checks])


def encode_check_dicts(checks: list[dict[str, Any]]) -> str:
    return canonical(checks)


def known_keys(conn: Connection, pairs: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which (producer, idempotency key) pairs already have an order: one query a batch."""
    wanted = set(pairs)
    if not wanted:
        return set()
    rows = conn.execute(_KNOWN_KEYS, {"producers": sorted({p for p, _ in wanted}),
                                      "keys": sorted({k for _, k in wanted})})
    return {(r.producer, r.idempotency_key) for r in rows} & wanted


# Built once: building a statement (and its cache key) costs more than running it.
_BULK = BulkInsert(orders)
# Both columns constrained, so the (producer, idempotency_key) unique index serves it.
_KNOWN_KEYS = select(orders.c.producer, orders.c.idempotency_key).where(
    orders.c.producer.in_(bindparam("producers", expanding=True)),
    orders.c.idempotency_key.in_(bindparam("keys", expanding=True)))


def flush_inserts(conn: Connection, uow: UnitOfWork) -> None:
    """Insert the batch's buffered new orders in one round trip."""
    if uow.new_orders:
        _BULK.execute(conn, [{**_values(o), "checks": c, "claimed_by": None}
                             for o, c in uow.new_orders])
        uow.new_orders.clear()


# Built once; the SET columns come from the parameters' keys, so SQLAlchemy compiles each
# shape once and reuses it (building a 27-column update per change cost ~0.4 ms).
_UPDATE = update(orders).where(orders.c.id == bindparam("w_id"),
                               orders.c.version == bindparam("w_version"))


def update_order(
    conn: Connection,
    before: Order,
    after: Order,
    checks: Sequence[CheckResult] | None = None,
    claimed_by: str | None = None,
) -> None:
    """Write `after` if the row is still at `before.version` (a stale write is a bug: raise).
    `before` is the order as its row holds it: only the columns that differ are written
    (binding all 27 cost ~0.13 ms more per change, under the write lock)."""
    old = _values(before)
    values = {k: v for k, v in _values(after).items() if _differs(old[k], v)}
    if checks is not None:
        values["checks"] = encode_checks(checks)
    if claimed_by is not None:
        values["claimed_by"] = claimed_by
    result = conn.execute(_UPDATE, {**values, "w_id": before.id, "w_version": before.version})
    if result.rowcount != 1:
        raise RuntimeError(f"order {before.id} changed under the writer (version {before.version})")


# Built once: every decision and every venue answer loads its order (building the statement
# each time cost about as much as running it).
_BY_ID = select(orders).where(orders.c.id == bindparam("id"))
_BY_ID_LOCKED = _BY_ID.with_for_update()


def _differs(a: object, b: object) -> bool:
    # A Decimal is compared as text too: 0.10 and 0.1 are equal, but the row keeps its text.
    return type(a) is not type(b) or a != b or (isinstance(a, Decimal) and str(a) != str(b))


def get_row(conn: Connection, order_id: str, for_update: bool = False) -> Row[Any] | None:
    return conn.execute(_BY_ID_LOCKED if for_update else _BY_ID, {"id": order_id}).first()


def get_order(conn: Connection, order_id: str, for_update: bool = False) -> Order | None:
    row = get_row(conn, order_id, for_update)
    return None if row is None else order_from_row(row)


def get_many(conn: Connection, order_ids: Sequence[str]) -> list[Order]:
    """The orders with these ids, locked for update, in one query."""
    if not order_ids:
        return []
    stmt = select(orders).where(orders.c.id.in_(list(order_ids))).with_for_update()
    return [order_from_row(r) for r in conn.execute(stmt)]


# Built once with bind parameters: SQLAlchemy then reuses the compiled statement, which is
# most of the cost of a probe on the intake path.
_BY_KEY = select(orders.c.id).where(orders.c.producer == bindparam("producer"),
                                    orders.c.idempotency_key == bindparam("key"))


def find_by_idempotency_key(conn: Connection, producer: str, key: str) -> Order | None:
    # Existence first (an index probe); the full row only for a real replay.
    found = conn.execute(_BY_KEY, {"producer": producer, "key": key}).first()
    return None if found is None else get_order(conn, found.id)


def expired_pending(conn: Connection, now: datetime) -> list[Order]:
    rows = conn.execute(
        select(orders).where(orders.c.state == OrderState.PENDING_APPROVAL.value,
                             orders.c.expires_at <= now)
    )
    return [order_from_row(r) for r in rows]


def orders_in_states(
    conn: Connection, states: Iterable[OrderState], limit: int | None = None
) -> list[Order]:
    stmt = (
        select(orders)
        .where(orders.c.state.in_([s.value for s in states]))
        .order_by(orders.c.created_at, orders.c.id)
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    return [order_from_row(r) for r in conn.execute(stmt)]


def halted(book: HaltBook) -> ColumnElement[bool]:
    """SQL for "a halt in `book` stops this order" (HaltBook.blocking, for a query)."""
    if not book:
        return false()
    not_flatten = orders.c.producer != FLATTEN_PRODUCER
    if book.global_halt is not None:
        return not_flatten
    return and_(not_flatten, or_(orders.c.symbol.in_(book.halted_symbols()),
                                 orders.c.producer.in_(book.halted_producers())))


def claimable(conn: Connection, limit: int, book: HaltBook) -> list[Order]:
    """Approved orders, oldest first, leaving out those a halt holds back (in SQL, so held
    orders never crowd out sendable ones). Under a global halt only flatten orders remain."""
    stmt = select(orders).where(orders.c.state == OrderState.APPROVED.value)
    if book:
        stmt = stmt.where(not_(halted(book)))
    stmt = stmt.order_by(orders.c.created_at, orders.c.id).limit(limit)
    return [order_from_row(r) for r in conn.execute(stmt)]


def stopped(conn: Connection, states: Iterable[OrderState], book: HaltBook,
            limit: int | None = None) -> list[Order]:
    """Orders in `states` that a halt in `book` stops, oldest id first."""
    stmt = (select(orders).where(orders.c.state.in_([s.value for s in states]), halted(book))
            .order_by(orders.c.id))
    if limit is not None:
        stmt = stmt.limit(limit)
    return [order_from_row(r) for r in conn.execute(stmt)]


# One statement for many orders moving state (withdrawn by a halt, cancelled at the venue).
_MOVE = (update(orders)
         .where(orders.c.id == bindparam("b_id"), orders.c.version == bindparam("b_version"))
         .values(state=bindparam("state"), version=bindparam("version"),
                 updated_at=bindparam("updated_at"), reason=bindparam("reason"),
                 venue_order_id=bindparam("venue_order_id")))


def move_many(conn: Connection, befores: Sequence[Order], afters: Sequence[Order]) -> None:
    """Write each `after` (state, version, time, reason, venue id) if its row is still at
    `before.version`; a stale write is a bug: raise."""
    if not afters:
        return
    result = conn.execute(_MOVE, [
        {"b_id": b.id, "b_version": b.version, "state": a.state.value, "version": a.version,
         "updated_at": a.updated_at, "reason": a.reason, "venue_order_id": a.venue_order_id}
        for b, a in zip(befores, afters, strict=True)])
    if conn.dialect.supports_sane_multi_rowcount and result.rowcount != len(afters):
        raise RuntimeError(f"{len(afters) - result.rowcount} of {len(afters)} orders changed "
                           "under the writer")


def reservations(conn: Connection) -> list[Reservation]:
    rows = conn.execute(
        select(orders.c.id, orders.c.symbol, orders.c.side, orders.c.quantity,
               orders.c.filled_quantity, orders.c.producer)
        .where(orders.c.state.in_([s.value for s in RESERVING_STATES]))
    )
    return [
        Reservation(r.id, r.symbol, Side(r.side), Decimal(r.quantity) - Decimal(r.filled_quantity),
                    r.producer)
        for r in rows
    ]


def claimed_by(conn: Connection, order_id: str) -> str | None:
    value: str | None = conn.execute(
        select(orders.c.claimed_by).where(orders.c.id == order_id)
    ).scalar_one_or_none()
    return value
