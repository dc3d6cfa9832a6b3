"""Schema. Money columns are exact decimals on every dialect (text on SQLite, NUMERIC elsewhere)."""

from __future__ import annotations

from decimal import Decimal, localcontext
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Dialect,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator, TypeEngine

from gateway.domain.money import EXACT


class Money(TypeDecorator[Decimal]):
    """Exact decimal storage. SQLite's NUMERIC affinity would turn values into floats."""

    impl = String(64)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(64))
        return dialect.type_descriptor(Numeric(38, 18))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, Decimal):
            raise TypeError(f"money columns take Decimal, got {type(value).__name__}")
        return format(value, "f") if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        # PostgreSQL pads to the column scale; normalising keeps values readable. In the exact
        # context: the default one rounds past 28 digits, and amounts carry up to 38.
        d = Decimal(value)
        with localcontext(EXACT):
            return d.quantize(Decimal(1)) if d == d.to_integral_value() else d.normalize()


UtcDateTime = DateTime(timezone=True)

metadata = MetaData()

orders = Table(
    "orders",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("producer", String(64), nullable=False),
    Column("symbol", String(32), nullable=False),
    Column("side", String(8), nullable=False),
    Column("type", String(16), nullable=False),
    Column("quantity", Money, nullable=False),
    Column("limit_price", Money),
    Column("state", String(24), nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("filled_quantity", Money, nullable=False),
    Column("average_fill_price", Money),
    Column("fees", Money, nullable=False),
    Column("idempotency_key", String(64)),
    Column("client_order_id", String(40), unique=True),
    Column("venue_order_id", String(64)),
    Column("reason", Text),
    Column("limits_version", String(32)),
    Column("rationale", Text),
    Column("confidence", Money),
    Column("approved_by", String(64)),
    Column("decided_at", UtcDateTime),
    Column("claimed_by", String(80)),
    Column("checks", Text, nullable=False, default="[]"),
    Column("venue", String(32)),  # where it goes (the connected venue when proposed)
    Column("scope_version", Integer),  # the producer's scope version it was admitted under
    Column("origin", String(16)),  # "system" for protective exits the gateway raised
    UniqueConstraint("producer", "idempotency_key", name="uq_orders_producer_idem"),
    Index("ix_orders_state", "state"),
    Index("ix_orders_state_expires", "state", "expires_at"),
    Index("ix_orders_created", "created_at"),
    Index("ix_orders_producer_created", "producer", "created_at"),
)

fills = Table(
    "fills",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("order_id", String(40), nullable=False, index=True),
    Column("ts", UtcDateTime, nullable=False),
    Column("symbol", String(32), nullable=False),
    Column("side", String(8), nullable=False),
    Column("quantity", Money, nullable=False),
    Column("price", Money, nullable=False),
    Column("fee", Money, nullable=False),
)

positions = Table(
    "positions",
    metadata,
    Column("symbol", String(32), primary_key=True),
    Column("quantity", Money, nullable=False),
    Column("average_price", Money),
    Column("realized_pnl", Money, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

# The venue's holdings when the gateway began tracking them (one row per venue): what the
# account should hold is this plus the net of the gateway's fills after `fills_after`.
venue_baselines = Table(
    "venue_baselines",
    metadata,
    Column("venue", String(64), primary_key=True),
    Column("amounts", Text, nullable=False),  # JSON: currency -> exact decimal text
    Column("fills_after", Integer, nullable=False),
    Column("recorded_at", UtcDateTime, nullable=False),
)

audit_events = Table(
    "audit_events",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("ts", UtcDateTime, nullable=False),
    Column("kind", String(48), nullable=False),
    Column("actor", String(96), nullable=False),
    Column("order_id", String(40), index=True),
    Column("body", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

principals = Table(
    "principals",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("kind", String(16), nullable=False),  # producer | operator
    Column("role", String(16), nullable=False),  # producer | trader | risk | admin
    Column("principal", String(128), nullable=False),  # the human who answers for it
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("status", String(16), nullable=False),  # active | suspended | revoked
    Column("created_at", UtcDateTime, nullable=False),
    # Producers only: the key id and the Ed25519 public key (hex) that verify their signed
    # requests (the secret stays with the bot), and their scope.
    Column("key_id", String(40), unique=True),
    Column("public_key", String(64)),
    Column("scope", Text),  # JSON: symbols, max_notional, rate, venues, stop_loss_share
    Column("jurisdiction", String(8)),  # ISO 3166 code the principal trades or approves from
    Column("expires_at", UtcDateTime),  # the credential stops working then (None: never)
    Column("key_issued_at", UtcDateTime),  # when the current credential was issued
    Column("scope_version", Integer, nullable=False, server_default="1"),
    # When it was last suspended automatically: a burst of these halts trading.
    Column("quarantined_at", UtcDateTime),
)

# Symbols switched to reduce-only because a position reached its stop level; an operator
# clears them. `figures` (JSON) are what triggered it.
stop_guards = Table(
    "stop_guards",
    metadata,
    Column("symbol", String(32), primary_key=True),
    Column("since", UtcDateTime, nullable=False),
    Column("actor", String(96), nullable=False),
    Column("reason", Text, nullable=False),
    Column("figures", Text, nullable=False),
    Column("last_exit_at", UtcDateTime),
)

# Request nonces seen in the last minute: the unique key refuses a replay in every process.
nonces = Table(
    "nonces",
    metadata,
    Column("key_id", String(40), primary_key=True),
    Column("nonce", String(64), primary_key=True),
    Column("expires_at", UtcDateTime, nullable=False, index=True),
)

# One row (id=1). Every write transaction locks it first: the single point that makes limit
# checks and the audit chain atomic across threads and processes.
gateway_state = Table(
    "gateway_state",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("halted", Boolean, nullable=False),
    Column("halt_reason", Text),
    Column("halt_actor", String(96)),
    Column("halt_since", UtcDateTime),
    Column("halt_rule", String(64)),  # the automatic rule that halted; NULL for a human
    Column("limits_version", String(32)),  # the limits in force (a row of limits_versions)
    # The daily-loss session: where it started and the figures it is measured from.
    Column("session_start", UtcDateTime),
    Column("session_realized_base", Money),
    Column("session_unrealized_base", Money),
    Column("session_equity_peak", Money),
)

# Halts narrower than the global one (in gateway_state): one row per halted symbol or
# producer. Read under the lock in every write transaction, like the global halt.
halts = Table(
    "halts",
    metadata,
    Column("scope", String(16), primary_key=True),  # symbol | producer
    Column("target", String(64), primary_key=True),
    Column("reason", Text, nullable=False),
    Column("actor", String(96), nullable=False),
    Column("since", UtcDateTime, nullable=False),
    Column("rule", String(64)),
)

# Every limits file ever put in force: the active one is gateway_state.limits_version, read
# under the lock in every write transaction, so all processes apply the same limits.
limits_versions = Table(
    "limits_versions",
    metadata,
    Column("version", String(32), primary_key=True),
    Column("text", Text, nullable=False),
    Column("installed_at", UtcDateTime, nullable=False),
    Column("installed_by", String(96), nullable=False),
)

# The webhook outbox: notifications written in the same transaction as the event they tell
# of, delivered afterwards by a background sender in any process (claimed with a lease, so
# a crash loses none and two processes do not both send one). `key` is the delivery id
# receivers see, unique so an event is enqueued once.
notifications = Table(
    "notifications",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(96), nullable=False, unique=True),
    Column("event", String(48), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("body", Text, nullable=False),
    Column("status", String(16), nullable=False),  # pending | sent | failed
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("delivered", Text, nullable=False),  # JSON list of the URLs that took it
    Column("last_error", Text),
    Column("sent_at", UtcDateTime),
    Index("ix_notifications_due", "status", "next_attempt_at"),
)
