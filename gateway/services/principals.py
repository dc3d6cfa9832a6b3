"""Who may call: producers (bots) and operators (humans), each with one role.

Operators hold bearer tokens; only a hash is stored. Producers hold a credential
(`<key_id>.<secret>`) from which their Ed25519 signing key is derived (gateway/signing.py);
the server keeps only the public key and the credential's hash, so a copy of the database
cannot sign as a bot. Credentials are shown once, at creation.
Every change writes an audit record in the same transaction.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, insert, select, update

from gateway import signing
from gateway.adapters.store.tables import principals
from gateway.adapters.store.uow import UnitOfWork
from gateway.domain.checks.producer_scope import ProducerScope

from .errors import Conflict, NotFound
from .scopes import scope_from_json, scope_to_json, scope_view

__all__ = ["scope_from_json", "scope_to_json", "scope_view"]


class Role(StrEnum):
    PRODUCER = "producer"
    TRADER = "trader"
    RISK = "risk"
    ADMIN = "admin"


NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
HUMAN_ROLES = frozenset({Role.TRADER, Role.RISK, Role.ADMIN})
STATUSES = ("active", "suspended", "revoked")


@dataclass(frozen=True, slots=True)
class Principal:
    name: str
    role: Role
    principal: str  # the human who answers for it (the operator themself for humans)
    status: str
    scope: ProducerScope | None = None
    key_id: str | None = None
    jurisdiction: str | None = None
    expires_at: datetime | None = None  # the credential's expiry (None: never)
    scope_version: int = 1

    @property
    def actor(self) -> str:
        kind = "producer" if self.role is Role.PRODUCER else "operator"
        return f"{kind}:{self.name}"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token(role: Role) -> str:
    return f"gwo_{secrets.token_urlsafe(32)}"


def new_key() -> tuple[str, str]:
    """A producer key: (key id, secret). The credential a bot holds is `key_id.secret`."""
    return f"gwk_{secrets.token_hex(8)}", secrets.token_urlsafe(32)


def _public_hex(secret: str | None) -> str | None:
    return signing.public_key(secret).hex() if secret is not None else None


def _utc(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def row_to_principal(row: Any) -> Principal:
    role = Role(row.role)
    # A producer always has a scope: its jurisdiction and venues are checked even when no
    # symbol, notional or rate restriction was set.
    scope = scope_from_json(row.scope, row.jurisdiction) if role is Role.PRODUCER else None
    return Principal(row.name, role, row.principal, row.status, scope, row.key_id,
                     row.jurisdiction, _utc(row.expires_at), int(row.scope_version or 1))


def add(uow: UnitOfWork, name: str, role: Role, principal: str, actor: str,
        scope: ProducerScope | None = None, jurisdiction: str | None = None,
        expires_at: datetime | None = None) -> str:
    """Register a producer or operator; return its credential (shown once).

    An operator's is a bearer token; a producer's is `key_id.secret` for signing requests.
    """
    if not NAME_RE.fullmatch(name):
        # Actors are written "kind:name" in the audit trail, and "system:..." names belong to
        # the gateway itself (its flatten orders): a name must not be able to pose as one.
        raise Conflict(f"name {name!r} is not allowed: use 1-64 letters, digits, '.', '_' or "
                       "'-', starting with a letter or digit")
    exists = uow.conn.execute(select(principals.c.name).where(principals.c.name == name)).first()
    if exists is not None:
        raise Conflict(f"{name!r} is already registered; choose another name")
    kind = "producer" if role is Role.PRODUCER else "operator"
    key_id = secret = None
    if role is Role.PRODUCER:
        key_id, secret = new_key()
        token = f"{key_id}.{secret}"
    else:
        token = new_token(role)
    public_key = _public_hex(secret)
    uow.conn.execute(insert(principals).values(
        name=name, kind=kind, role=role.value, principal=principal,
        token_hash=hash_token(token), status="active", created_at=uow.now,
        key_id=key_id, public_key=public_key, scope=scope_to_json(scope),
        jurisdiction=jurisdiction, expires_at=expires_at, key_issued_at=uow.now,
        scope_version=1))
    uow.audit.append(uow.now, f"{kind}.added", actor,
                     payload={"name": name, "role": role.value, "principal": principal,
                              "key_id": key_id, "public_key": public_key,
                              "scope": scope_view(scope),
                              "jurisdiction": jurisdiction, "expires_at": expires_at,
                              "scope_version": 1})
    return token


def get(conn: Connection, name: str) -> Principal:
    row = conn.execute(select(principals).where(principals.c.name == name)).first()
    if row is None:
        raise NotFound(f"no producer or operator named {name!r}; `gateway producers list` "
                       "shows them")
    return row_to_principal(row)


def list_all(conn: Connection, role: Role | None = None) -> list[dict[str, Any]]:
    query = select(principals).order_by(principals.c.name)
    if role is not None:
        query = query.where(principals.c.role == role.value)
    return [describe(row) for row in conn.execute(query)]


def describe(row: Any) -> dict[str, Any]:
    expires = _utc(row.expires_at)
    return {"name": row.name, "role": row.role, "principal": row.principal,
            "status": row.status, "key_id": row.key_id, "public_key": row.public_key,
            "scope": scope_view(
                scope_from_json(row.scope)), "jurisdiction": row.jurisdiction,
            "expires_at": expires.isoformat() if expires else None,
            "scope_version": int(row.scope_version or 1),
            "created_at": row.created_at.isoformat()}


def set_status(uow: UnitOfWork, name: str, status: str, actor: str, reason: str,
               evidence: dict[str, Any] | None = None, event: str | None = None) -> list[str]:
    """Suspend, reinstate or revoke; suspending or revoking a producer withdraws its queue.

    Returns the ids of the orders withdrawn.
    """
    who = get(uow.conn, name)
    if who.status == "revoked":
        raise Conflict(f"{name} is revoked for good; register a new one instead")
    if who.status == status:
        raise Conflict(f"{name} is already {status}")
    uow.conn.execute(update(principals).where(principals.c.name == name).values(status=status))
    uow.principals_changed()
    withdrawn = withdraw_queue(uow, name, reason) if status != "active" else []
    verb = {"active": "reinstated", "suspended": "suspended", "revoked": "revoked"}[status]
    kind = "producer" if who.role is Role.PRODUCER else "operator"
    uow.audit.append(uow.now, event or f"{kind}.{verb}", actor, reason=reason,
                     payload={"name": name, "withdrawn": withdrawn, **(evidence or {})})
    return withdrawn


def withdraw_queue(uow: UnitOfWork, producer: str, reason: str) -> list[str]:
    """Cancel the producer's orders not yet at the venue (pending approval or approved)."""
    from gateway.adapters.store import orders_repo
    from gateway.domain.orders import OrderState

    from .transitions import transition

    waiting = orders_repo.orders_in_states(
        uow.conn, [OrderState.PENDING_APPROVAL, OrderState.APPROVED])
    ids = []
    for order in waiting:
        if order.producer == producer:
            transition(uow, order, OrderState.CANCELLED, "system:quarantine",
                       reason=f"producer suspended: {reason}")
            ids.append(order.id)
    if ids:
        uow.invalidate()
    return ids


def rotate_key(uow: UnitOfWork, name: str, actor: str,
               expires_at: datetime | None = None) -> str:
    """A new credential; the old one stops working at once (after the 2 s auth cache)."""
    who = get(uow.conn, name)
    if who.status == "revoked":
        raise Conflict(f"{name} is revoked for good; register a new one instead")
    if who.role is Role.PRODUCER:
        key_id, secret = new_key()
        token = f"{key_id}.{secret}"
        values: dict[str, Any] = {"key_id": key_id, "public_key": _public_hex(secret)}
    else:
        token, key_id = new_token(who.role), None
        values = {}
    # A new credential is a new scope document (its fingerprint and dates change).
    uow.conn.execute(update(principals).where(principals.c.name == name).values(
        token_hash=hash_token(token), expires_at=expires_at, key_issued_at=uow.now,
        scope_version=who.scope_version + 1, **values))
    uow.audit.append(uow.now, "credentials.rotated", actor,
                     payload={"name": name, "old_key_id": who.key_id, "key_id": key_id,
                              "public_key": values.get("public_key"),
                              "expires_at": expires_at, "scope_version": who.scope_version + 1})
    return token
