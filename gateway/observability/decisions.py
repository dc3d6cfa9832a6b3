"""One log line per decision, derived from the audit records each batch committed: who
proposed, who decided, what happened to which order; and one per refused call. Reasons and
names only: audit bodies never hold a secret, and the payload's checks and prices stay in
the audit trail."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from .records import Event

log = logging.getLogger("gateway.decisions")

_LABEL = {"order.queued": "proposed", "order.rejected": "refused",
          "proposal.refused_halted": "refused (halted)", "order.sending": "sent",
          "order.first_approval": "first approval", "halt.set": "halted",
          "halt.cleared": "resumed", "call.refused": "refused call"}
# What a refused call's line carries from its record: the request's shape and the answer,
# never the message or the field (both can echo what the caller sent) nor the query string.
_CALL_FIELDS = ("role", "method", "path", "status", "code")
PATH_MAX = 200  # a caller chooses the path: the audit record keeps it whole
_WARN = ("halt.set", "producer.quarantined", "venue.mismatch", "venue.unreachable",
         "access.refused", "access.denied", "risk.breach", "limits.reload_refused")


def line(event: Event) -> tuple[int, str, dict[str, object]]:
    """The level, the readable message and the structured fields of one event's line."""
    label = _LABEL.get(event.kind, event.kind.split(".", 1)[1].replace("_", " "))
    fields: dict[str, object] = {"event": event.kind, "decision": label,
                                 "audit_seq": event.seq}
    parts = [f"{event.kind} ({label})" if label != event.kind.split(".", 1)[1] else event.kind]
    for name in ("order_id", "producer", "operator"):
        value = getattr(event, name)
        if value is not None:
            fields[name] = value
            parts.append(f"{name}={value}")
    if not event.actor.startswith(("operator:", "producer:")):  # system or admin CLI
        fields["actor"] = event.actor
        parts.append(f"by={event.actor}")
    if event.kind == "call.refused":
        _call(event, fields, parts)
        return logging.INFO, " ".join(parts), fields
    failed = event.payload.get("failed")
    if failed:
        fields["failed_checks"] = list(failed)
        parts.append("failed=" + ",".join(failed))
    if event.reason:
        fields["reason"] = event.reason
        parts.append(f"reason={event.reason!r}")
    level = logging.WARNING if event.kind in _WARN else logging.INFO
    return level, " ".join(parts), fields


def _call(event: Event, fields: dict[str, object], parts: list[str]) -> None:
    for name in _CALL_FIELDS:
        value = event.payload.get(name)
        if name == "path" and isinstance(value, str) and len(value) > PATH_MAX:
            value = value[:PATH_MAX] + "…"
        if value is not None:
            fields[name] = value
            parts.append(f"{name}={value}")


def log_events(events: Iterable[Event]) -> None:
    if not log.isEnabledFor(logging.INFO):
        return
    for event in events:
        level, message, fields = line(event)
        log.log(level, message, extra={"fields": fields})
