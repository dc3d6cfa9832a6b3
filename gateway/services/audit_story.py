"""One order's life from the audit trail, told in order for a person to read."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from .audit_export import AuditFilter, records

# Payload keys already said elsewhere on the line, or too long to be worth a line.
_SKIP = {"checks", "before", "after", "from", "version"}


def order_records(engine: Engine, order_id: str) -> list[dict[str, Any]]:
    return list(records(engine, AuditFilter(order_id=order_id)))


def _value(v: Any) -> str:
    return v if isinstance(v, str) else json.dumps(v, ensure_ascii=False, separators=(",", ":"))


def _checks(checks: list[dict[str, Any]]) -> str:
    failed = [c for c in checks if not c.get("passed", True)]
    if not failed:
        return f"all {len(checks)} checks passed"
    named = ", ".join(f"{c.get('name')} (observed {c.get('observed')}, limit {c.get('limit')})"
                      for c in failed)
    return f"{len(failed)} of {len(checks)} checks failed: {named}"


def _diff(before: dict[str, Any], after: dict[str, Any]) -> str:
    changed = [f"{k} {_value(before.get(k))} -> {_value(after.get(k))}"
               for k in sorted(set(before) | set(after)) if before.get(k) != after.get(k)]
    return "changed " + ", ".join(changed) if changed else "no values changed"


def describe(r: dict[str, Any]) -> list[str]:
    """The record's line, then indented detail lines."""
    ts = datetime.fromisoformat(r["ts"]).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
    kind = r["kind"].removeprefix("order.")
    payload: dict[str, Any] = r["payload"]
    head = f"{ts} UTC  #{r['seq']:<6} {kind:<16} by {r['actor']}"
    if "from" in payload:
        head += f"  ({payload['from']} -> {kind})"
    lines = [head]
    if r["reason"]:
        lines.append(f"    reason: {r['reason']}")
    if isinstance(payload.get("checks"), list):
        lines.append(f"    {_checks(payload['checks'])}")
    if isinstance(payload.get("before"), dict) and isinstance(payload.get("after"), dict):
        lines.append(f"    {_diff(payload['before'], payload['after'])}")
    said = set(_SKIP)
    if {"symbol", "side", "quantity"} <= payload.keys():
        price = f" @ {payload['limit_price']}" if payload.get("limit_price") else ""
        lines.append(f"    {payload['side']} {payload['quantity']} {payload['symbol']} "
                     f"{payload.get('type', '')}{price}".rstrip())
        said |= {"symbol", "side", "quantity", "type", "limit_price"}
    rest = {k: v for k, v in payload.items() if k not in said and v is not None}
    if rest:
        lines.append("    " + "  ".join(f"{k}={_value(v)}" for k, v in sorted(rest.items())))
    return lines


def render(order_id: str, rows: Iterable[dict[str, Any]]) -> str:
    rows = list(rows)
    if not rows:
        return f"{order_id}: no audit records (check the id with `gateway orders`)"
    out = [f"{order_id}: {len(rows)} audit records, oldest first"]
    for r in rows:
        out += describe(r)
    return "\n".join(out)
