"""Signed scope documents: what one producer may do, signed with the gateway's Ed25519 key.

The document names the producer, the human who answers for it, its jurisdiction, the venues
and symbols it may use, the limits that apply to it, its credential (key id, fingerprint,
the Ed25519 public key its requests verify against; never the secret), the credential's issue
and expiry dates and the scope version. It verifies only against a public key the reader
trusts (gateway.sdk.scope.verify_scope).
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select

from gateway.adapters.signing_key import SigningKey
from gateway.adapters.store.tables import principals
from gateway.domain.limits import Limits
from gateway.sdk.scope import KIND, ScopeDocumentInvalid, canonical, verify_scope

from .errors import NotFound
from .scopes import scope_from_json, scope_view

__all__ = ["ScopeDocumentInvalid", "build", "sign", "verify_scope"]


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()


def _limits_for(limits: Limits, symbols: list[str]) -> dict[str, Any]:
    dumped = limits.model_dump(mode="json")
    keep = ("quote_currency", "max_order_notional", "order_types", "sides", "price_collar_bps",
            "max_order_equity_share", "max_position_equity_share", "account_equity",
            "daily_loss_limit", "max_drawdown", "reduce_only", "stop_loss", "throttle")
    out = {k: dumped[k] for k in keep if dumped.get(k) is not None}
    out["symbols"] = {s: {k: v for k, v in dumped["symbols"][s].items() if v is not None}
                      for s in symbols}
    return out


def build(conn: Connection, name: str, limits: Limits, limits_version: str,
          now: datetime) -> dict[str, Any]:
    """The current scope document of producer `name` (unsigned)."""
    row = conn.execute(select(principals).where(principals.c.name == name,
                                                principals.c.kind == "producer")).first()
    if row is None:
        raise NotFound(f"no producer named {name!r}; `gateway producers list` shows them")
    scope = scope_from_json(row.scope, row.jurisdiction)
    declared = limits.venues
    venues = sorted(v for v, rules in (declared or {}).items()
                    if (scope.venues is None or v in scope.venues)
                    and rules.serves(row.jurisdiction))
    symbols = sorted(s for s in limits.symbols if scope.symbols is None or s in scope.symbols)
    return {
        "kind": KIND, "format": 1, "issued_at": _iso(now),
        "producer": row.name, "principal": row.principal, "status": row.status,
        "jurisdiction": row.jurisdiction,
        "venues": venues if declared is not None else ["(the connected venue)"],
        "symbols": symbols, "scope": scope_view(scope),
        "scope_version": int(row.scope_version or 1),
        "credential": {"key_id": row.key_id, "fingerprint": "sha256:" + row.token_hash,
                       "algorithm": "Ed25519", "public_key": row.public_key,
                       "issued_at": _iso(row.key_issued_at or row.created_at),
                       "expires_at": _iso(row.expires_at)},
        "limits": {"version": limits_version, **_limits_for(limits, symbols)},
    }


def sign(document: dict[str, Any], key: SigningKey) -> dict[str, Any]:
    signature = key.sign(canonical(document))
    return {"document": document,
            "signature": {"algorithm": "Ed25519", "key_id": key.key_id(),
                          "value": base64.b64encode(signature).decode()}}
