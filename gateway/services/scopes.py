"""A producer's scope as stored (JSON beside its row), shown, and changed (audited with a
diff; every change bumps its scope version, which each order records)."""

from __future__ import annotations

import json
from dataclasses import fields as dataclass_fields
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update

from gateway.adapters.store.tables import principals
from gateway.adapters.store.uow import UnitOfWork
from gateway.domain.checks.producer_scope import ProducerScope
from gateway.domain.money import to_text

from .errors import Conflict, NotFound


def scope_to_json(scope: ProducerScope | None) -> str | None:
    """The stored form. The jurisdiction has a column of its own."""
    if scope is None:
        return None
    return json.dumps({
        "symbols": sorted(scope.symbols) if scope.symbols is not None else None,
        "max_notional": to_text(scope.max_notional) if scope.max_notional is not None else None,
        "rate_per_minute": scope.rate_per_minute,
        "venues": sorted(scope.venues) if scope.venues is not None else None,
        "stop_loss_share": (to_text(scope.stop_loss_share)
                            if scope.stop_loss_share is not None else None)})


def scope_from_json(raw: str | None, jurisdiction: str | None = None) -> ProducerScope:
    data = json.loads(raw) if raw else {}
    symbols, venues = data.get("symbols"), data.get("venues")
    cap, stop = data.get("max_notional"), data.get("stop_loss_share")
    return ProducerScope(frozenset(symbols) if symbols is not None else None,
                         Decimal(cap) if cap is not None else None, data.get("rate_per_minute"),
                         frozenset(venues) if venues is not None else None, jurisdiction,
                         Decimal(stop) if stop is not None else None)


def scope_view(scope: ProducerScope | None) -> dict[str, Any]:
    """What is set, for people and the audit trail (unset keys are left out)."""
    if scope is None:
        return {}
    data = json.loads(scope_to_json(scope) or "{}")
    if scope.jurisdiction is not None:
        data["jurisdiction"] = scope.jurisdiction
    return {k: v for k, v in data.items() if v is not None}


def set_scope(uow: UnitOfWork, name: str, actor: str, changes: dict[str, Any],
              reason: str) -> dict[str, Any]:
    """Change some of a producer's (or an operator's jurisdiction) scope keys; `changes` maps
    ProducerScope field names to new values (None clears one). Audited with a key-by-key diff;
    the scope version moves on."""
    row = uow.conn.execute(select(principals).where(principals.c.name == name)).first()
    if row is None:
        raise NotFound(f"no producer or operator named {name!r}; `gateway producers list` "
                       "shows them")
    if row.status == "revoked":
        raise Conflict(f"{name} is revoked for good; register a new one instead")
    before = scope_from_json(row.scope, row.jurisdiction)
    values = {f.name: getattr(before, f.name) for f in dataclass_fields(ProducerScope)}
    values.update(changes)
    after = ProducerScope(**values)
    old, new = scope_view(before), scope_view(after)
    diff = {k: {"before": old.get(k), "after": new.get(k)}
            for k in sorted(old.keys() | new.keys()) if old.get(k) != new.get(k)}
    if not diff:
        raise Conflict(f"{name}'s scope already is {new or 'the global limits only'}; "
                       "nothing changed")
    version = int(row.scope_version or 1) + 1
    producer = row.kind == "producer"
    uow.conn.execute(update(principals).where(principals.c.name == name).values(
        scope=scope_to_json(after) if producer else row.scope,
        jurisdiction=after.jurisdiction, scope_version=version))
    uow.audit.append(uow.now, "producer.scope_changed" if producer else "operator.scope_changed",
                     actor, reason=reason,
                     payload={"name": name, "diff": diff, "scope_version": version})
    return {"name": name, "scope": new, "diff": diff, "scope_version": version}
