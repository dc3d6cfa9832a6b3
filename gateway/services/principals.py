"""Who may call: producers (bots) and operators (humans), each with one role.

Only a hash of each token is stored; the token itself is shown once, at creation.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import Engine, insert, select

from gateway.adapters.store.tables import principals
from gateway.adapters.store.uow import UnitOfWork

from .errors import Conflict, Unauthorized


class Role(StrEnum):
    PRODUCER = "producer"
    TRADER = "trader"
    RISK = "risk"
    ADMIN = "admin"


HUMAN_ROLES = frozenset({Role.TRADER, Role.RISK, Role.ADMIN})


@dataclass(frozen=True, slots=True)
class Principal:
    name: str
    role: Role
    principal: str  # the human who answers for it (the operator themself for humans)
    status: str

    @property
    def actor(self) -> str:
        kind = "producer" if self.role is Role.PRODUCER else "operator"
        return f"{kind}:{self.name}"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token(role: Role) -> str:
    prefix = "gwp" if role is Role.PRODUCER else "gwo"
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def add(uow: UnitOfWork, name: str, role: Role, principal: str, actor: str) -> str:
    """Register a producer or operator; return its token (shown once, never stored)."""
    exists = uow.conn.execute(select(principals.c.name).where(principals.c.name == name)).first()
    if exists is not None:
        raise Conflict(f"{name!r} is already registered; choose another name")
    token = new_token(role)
    kind = "producer" if role is Role.PRODUCER else "operator"
    uow.conn.execute(insert(principals).values(
        name=name, kind=kind, role=role.value, principal=principal,
        token_hash=hash_token(token), status="active", created_at=uow.now))
    uow.audit.append(uow.now, f"{kind}.added", actor,
                     payload={"name": name, "role": role.value, "principal": principal})
    return token


class Authenticator:
    """Token to principal, cached briefly so the intake path does not hit the database.

    The cache is short so a suspension made by another process takes effect within seconds.
    """

    def __init__(self, engine: Engine, ttl_s: float = 2.0) -> None:
        self._engine = engine
        self._ttl = ttl_s
        self._cache: dict[str, tuple[float, Principal | None]] = {}

    def authenticate(self, token: str) -> Principal:
        digest = hash_token(token)
        now = time.monotonic()
        hit = self._cache.get(digest)
        if hit is not None and now - hit[0] < self._ttl:
            found = hit[1]
        else:
            found = self._lookup(digest)
            self._cache[digest] = (now, found)
        if found is None:
            raise Unauthorized("unknown or revoked token: ask an admin for valid credentials")
        if found.status != "active":
            raise Unauthorized(f"{found.name} is {found.status}: an operator must reinstate it")
        return found

    def _lookup(self, digest: str) -> Principal | None:
        with self._engine.connect().execution_options(sqlite_begin="DEFERRED") as conn:
            row = conn.execute(select(principals).where(principals.c.token_hash == digest)).first()
        if row is None:
            return None
        return Principal(row.name, Role(row.role), row.principal, row.status)

    def forget(self) -> None:
        self._cache.clear()
