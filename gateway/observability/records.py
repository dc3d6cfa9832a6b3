"""What a committed batch's audit rows mean to people watching: one `Event` per record worth
a log line or a counter. Pure: rows in, events out; a body is parsed only for the few kinds
whose details are not in the row's own columns (never for a queued proposal)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# Records of these kinds are decisions or alarms: each gets one log line. `call.` is a
# refused call (api/refusals.py): a caller probing or a client out of step is worth seeing.
WATCHED_PREFIXES = ("order.", "halt.", "producer.", "venue.", "limits.", "access.",
                    "proposal.", "risk.", "call.")
# Order records that say nothing new to a person (the transition records do).
QUIET = frozenset({"order.proposed", "order.fill", "order.reevaluated"})
# Whose body holds nothing a log line or counter needs.
NO_BODY = frozenset({"order.queued", "proposal.refused_halted"})


@dataclass(frozen=True, slots=True)
class Event:
    kind: str
    seq: int
    ts: datetime
    actor: str
    order_id: str | None = None
    producer: str | None = None
    operator: str | None = None
    reason: str | None = None
    payload: Mapping[str, Any] = field(default_factory=dict)


def _who(actor: str, role: str) -> str | None:
    prefix = f"{role}:"
    return actor[len(prefix):] if actor.startswith(prefix) else None


def events(rows: Iterable[Mapping[str, Any]]) -> Iterator[Event]:
    proposed_by: dict[str, str] = {}
    for row in rows:
        kind, actor, order_id = row["kind"], row["actor"], row["order_id"]
        if kind == "order.proposed" and order_id is not None:
            proposed_by[order_id] = actor  # the queued/rejected record that follows says who
            continue
        if kind in QUIET or not kind.startswith(WATCHED_PREFIXES):
            continue
        body: Mapping[str, Any] = {} if kind in NO_BODY else json.loads(row["body"])
        payload: Mapping[str, Any] = body.get("payload") or {}
        producer = (_who(actor, "producer") or payload.get("producer")
                    or (_who(proposed_by.get(order_id or "", ""), "producer")))
        if kind.startswith("producer.") and producer is None:
            producer = payload.get("name") or payload.get("producer")
        yield Event(kind, row["seq"], row["ts"], actor, order_id, producer,
                    _who(actor, "operator"), body.get("reason"), payload)
