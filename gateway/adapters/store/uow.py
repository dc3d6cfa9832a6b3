"""The unit of work one job sees: a locked transaction, the audit appender, the time, the
limits in force, and the risk picture (cached between batches while nobody else writes)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from gateway.domain.halts import Halt, HaltBook, HaltScope
from gateway.domain.limits import Limits
from gateway.domain.markets import MarketData
from gateway.domain.orders import Order, Proposal
from gateway.domain.positions import Position
from gateway.domain.risk import RecentOrder, Reservation, RiskSnapshot
from gateway.domain.session import SessionBase, session_figures, totals

from . import guards_repo, orders_repo, positions_repo
from .activity import ActivityLog
from .audit import AuditAppender
from .tables import gateway_state, halts, orders, principals


def _utc(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


@dataclass(frozen=True, slots=True)
class HaltState:
    """The global halt as stored in the state row."""

    halted: bool
    reason: str | None = None
    actor: str | None = None
    since: datetime | None = None
    rule: str | None = None

    def as_halt(self) -> Halt | None:
        if not self.halted:
            return None
        return Halt(HaltScope.GLOBAL, "", self.reason or "no reason given",
                    self.actor or "unknown", self.since or datetime.min.replace(tzinfo=UTC),
                    self.rule)


@dataclass(frozen=True, slots=True)
class GatewayState:
    halt: HaltState
    limits_version: str | None
    session: SessionBase | None
    scoped: tuple[Halt, ...] = ()  # halts of one symbol or one producer

    @property
    def halts(self) -> HaltBook:
        found = self.halt.as_halt()
        return HaltBook.of([*([found] if found else []), *self.scoped])


def halt_from_row(row: Any) -> Halt:
    return Halt(HaltScope(row.scope), row.target, row.reason, row.actor,
                _utc(row.since), row.rule)  # type: ignore[arg-type]


def read_scoped(conn: Connection) -> tuple[Halt, ...]:
    return tuple(halt_from_row(r) for r in conn.execute(_SCOPED))


# Statements run in every write batch are built once: building one (and its cache key)
# costs several times more than executing it.
_SCOPED = select(halts)
_LOCK_STATE = select(gateway_state).where(gateway_state.c.id == 1).with_for_update()
_INACTIVE = select(principals.c.name).where(principals.c.kind == "producer",
                                            principals.c.status != "active")


def lock_state(conn: Connection) -> GatewayState:
    """Lock the gateway's one state row. On SQLite BEGIN IMMEDIATE already holds the lock."""
    row = conn.execute(_LOCK_STATE).first()
    if row is None:
        raise RuntimeError("gateway_state row missing: run `gateway db upgrade`")
    halt = HaltState(bool(row.halted), row.halt_reason, row.halt_actor, _utc(row.halt_since),
                     row.halt_rule)
    session = None
    if row.session_start is not None:
        session = SessionBase(_utc(row.session_start), row.session_realized_base,  # type: ignore[arg-type]
                              row.session_unrealized_base, row.session_equity_peak)
    # Scoped halts change only under the state row's lock, so this read is consistent.
    return GatewayState(halt, row.limits_version, session, read_scoped(conn))


@dataclass
class BatchCache:
    """Kept by the writer between batches; valid only while the audit head is the one this
    process left (every committed change appends to the audit trail)."""

    head_seq: int | None = None
    nonces_pruned_at: datetime | None = None
    snapshot: RiskSnapshot | None = None
    positions: dict[str, Position] | None = None
    activity: ActivityLog | None = None
    # Producers not active; every status change goes through principals.set_status, which
    # drops this (and writes an audit record, so another process's change clears it too).
    inactive: frozenset[str] | None = None

    def clear(self) -> None:
        self.snapshot = self.positions = self.activity = self.inactive = None




@dataclass
class UnitOfWork:
    conn: Connection
    audit: AuditAppender
    now: datetime
    state: GatewayState
    market: MarketData = field(default_factory=MarketData)
    cache: BatchCache = field(default_factory=BatchCache)
    limits_source: Callable[[], tuple[Limits, str]] | None = None
    _snapshot: RiskSnapshot | None = None
    # Orders proposed in this batch, inserted in one round trip before the commit (or before
    # any job that reads orders directly).
    new_orders: list[tuple[Order, str]] = field(default_factory=list)

    def add_order(self, order: Order, checks_json: str) -> None:
        self.new_orders.append((order, checks_json))

    # Keys of this batch's proposals that already exist in the database (probed in one
    # query before the jobs run); None when nobody probed, so every key must be looked up.
    known_keys: set[tuple[str, str]] | None = None

    # Request nonces claimed in this batch (inserted with the batch), and which of the
    # batch's nonces the database already holds (probed in one query before the jobs run).
    new_nonces: list[dict[str, Any]] = field(default_factory=list)
    known_nonces: set[tuple[str, str]] = field(default_factory=set)
    # What this batch changed that other parts must hear of after the commit ("halt").
    signals: set[str] = field(default_factory=set)

    def claim_nonce(self, key_id: str, nonce: str, expires_at: datetime) -> bool:
        """Record a request nonce; False if it was seen before (a replayed request)."""
        if (key_id, nonce) in self.known_nonces or any(
                n["key_id"] == key_id and n["nonce"] == nonce for n in self.new_nonces):
            return False
        self.new_nonces.append({"key_id": key_id, "nonce": nonce, "expires_at": expires_at})
        return True

    def inactive_producers(self) -> frozenset[str]:
        """Producers not active as of this transaction (one small query a batch): a
        suspension made by any process binds every process's very next batch."""
        if self.cache.inactive is None:
            self.cache.inactive = frozenset(self.conn.execute(_INACTIVE).scalars())
        return self.cache.inactive

    def principals_changed(self) -> None:
        """A principal's status changed in this transaction: read it afresh."""
        self.cache.inactive = None

    def may_know_key(self, producer: str, key: str) -> bool:
        return self.known_keys is None or (producer, key) in self.known_keys

    def find_new(self, producer: str, key: str) -> Order | None:
        for order, _ in reversed(self.new_orders):
            if order.producer == producer and order.idempotency_key == key:
                return order
        return None

    @property
    def halt(self) -> HaltState:
        return self.state.halt

    @halt.setter
    def halt(self, value: HaltState) -> None:
        self.state = replace(self.state, halt=value)

    @property
    def halts(self) -> HaltBook:
        """Every halt in force in this transaction: the global one and the scoped ones."""
        return self.state.halts

    @property
    def prices(self) -> Mapping[str, Decimal]:
        return self.market.prices

    def limits(self) -> tuple[Limits, str]:
        """The limits in force in this transaction (the version recorded in the state row)."""
        if self.limits_source is None:
            raise RuntimeError("no limits source: build the writer through gateway.bootstrap")
        return self.limits_source()

    def positions(self) -> dict[str, Position]:
        if self.cache.positions is None:
            self.cache.positions = positions_repo.load_positions(self.conn)
        return self.cache.positions

    def snapshot(self) -> RiskSnapshot:
        """Positions plus every reserving order, market data, the time and session PnL."""
        if self._snapshot is None:
            core = self.cache.snapshot
            if core is None:
                held = self.positions()
                positions = {s: p.quantity for s, p in held.items()}
                core = RiskSnapshot.build(
                    positions, orders_repo.reservations(self.conn), {},
                    entry_prices={s: p.average_price for s, p in held.items()
                                  if p.average_price is not None},
                    stopped=guards_repo.stopped_symbols(self.conn))
            pnl, drawdown = session_figures(self.positions(), self.market.prices,
                                            self.state.session)
            # Exposure totals are recomputed once a batch (prices moved), then kept in step.
            self._snapshot = replace(
                core, reference_prices=self.market.prices, price_times=self.market.observed_at,
                markets=self.market.markets, now=self.now, session_pnl=pnl, drawdown=drawdown,
                venue=self.market.venue, equity=self._equity(),
                exposure_totals=None).with_exposure()
            self.cache.snapshot = self._snapshot
        return self._snapshot

    def _equity(self) -> Decimal | None:
        """Starting equity (limits.yaml) + realized + unrealized PnL at reference prices;
        None when there is no starting figure or a held symbol has no price (fail closed)."""
        if self.limits_source is None:
            return None
        start = self.limits()[0].account_equity
        if start is None:
            return None
        realized, unrealized = totals(self.positions(), self.market.prices)
        return None if unrealized is None else start + realized + unrealized

    def snapshot_for(self, p: Proposal, limits: Limits) -> RiskSnapshot:
        """The snapshot narrowed to one proposal: throttle counts including it, and its
        recent twins for the duplicate guard."""
        snap = self.snapshot()
        log = self.activity(limits)
        if log is None:
            return snap
        total, mine = log.counts(self.now, p.producer)
        return snap.evolve(recent_proposals=total + 1, recent_by_producer={p.producer: mine + 1},
                           recent_orders=log.recent_twins(self.now, p.producer, p.symbol,
                                                          p.side, p.quantity))

    def activity(self, limits: Limits) -> ActivityLog | None:
        t = limits.throttle
        if t.max_proposals is None and t.max_proposals_per_producer is None and (
                limits.duplicate_window_seconds == 0):
            return None
        log = self.cache.activity
        if log is None or not log.fits(t.window_seconds, limits.duplicate_window_seconds):
            log = ActivityLog.load(self.conn, self.now, t.window_seconds,
                                   limits.duplicate_window_seconds)
            self.cache.activity = log
        return log

    def recent_count(self, producer: str, window_s: int, cap: int) -> int:
        """This producer's proposals in the last `window_s` seconds, counted only as far as
        one past `cap` (all a rate check needs), including this batch's."""
        since = self.now - timedelta(seconds=window_s)
        probe = select(orders.c.id).where(orders.c.producer == producer,
                                          orders.c.created_at > since).limit(cap + 1).subquery()
        stored = int(self.conn.execute(select(func.count()).select_from(probe)).scalar_one())
        in_batch = sum(1 for o, _ in self.new_orders if o.producer == producer)
        return stored + in_batch

    def record_proposal(self, producer: str, order: RecentOrder) -> None:
        if self.cache.activity is not None:
            self.cache.activity.add(producer, order)

    def reserve(self, reservation: Reservation) -> None:
        if self._snapshot is not None:
            self._snapshot = self._snapshot.with_reservation(reservation)
            self.cache.snapshot = self._snapshot

    def invalidate(self) -> None:
        """Positions or reservations changed other than by a new reservation: reload."""
        self._snapshot = None
        self.cache.snapshot = None
        self.cache.positions = None

    def set_halt(self, halt: HaltState) -> None:
        self.conn.execute(
            update(gateway_state).where(gateway_state.c.id == 1).values(
                halted=halt.halted, halt_reason=halt.reason, halt_actor=halt.actor,
                halt_since=halt.since, halt_rule=halt.rule,
            )
        )
        self.halt = halt
        self.signals.add("halt")

    def put_scoped_halt(self, halt: Halt) -> None:
        self.conn.execute(insert(halts).values(
            scope=halt.scope.value, target=halt.target, reason=halt.reason, actor=halt.actor,
            since=halt.since, rule=halt.rule))
        self.state = replace(self.state, scoped=(*self.state.scoped, halt))
        self.signals.add("halt")

    def drop_scoped_halt(self, halt: Halt) -> None:
        self.conn.execute(delete(halts).where(halts.c.scope == halt.scope.value,
                                              halts.c.target == halt.target))
        self.state = replace(self.state, scoped=tuple(
            h for h in self.state.scoped if (h.scope, h.target) != (halt.scope, halt.target)))
        self.signals.add("halt")
