"""Prometheus metrics (prometheus-client), one registry per gateway process.

Counters and histograms are this process's own, fed from the audit records each batch
commits (a dict lookup and an increment per record, never a query) and from venue calls:
scrape every process and sum across them. Gauges about the shared database (queue depth,
oldest pending order, audit chain head, halt) are read from the database at scrape time,
so every process reports the same, current figures.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)

from gateway.services.ids import created_millis

from .probe import DbFacts
from .records import Event

disable_created_metrics()  # type: ignore[no-untyped-call]  # *_created series double the output

DECISION_BUCKETS = (1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 4 * 3600)
VENUE_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
_OUTCOME = {"order.queued": "queued", "order.rejected": "refused",
            "proposal.refused_halted": "halted"}
_DECISION = {"order.approved": "approved", "order.denied": "denied",
             "order.first_approval": "first_approval"}


class Metrics:
    def __init__(self, instance: str, version: str) -> None:
        r = self.registry = CollectorRegistry(auto_describe=True)
        Gauge("gateway_info", "This gateway process", ["instance", "version"],
              registry=r).labels(instance, version).set(1)
        self.proposals = Counter("gateway_proposals", "Proposals handled by this process, by "
                                 "outcome (queued, refused by limits, refused while halted)",
                                 ["outcome"], registry=r)
        self.refusals = Counter("gateway_proposal_refusals", "Proposals refused by limits, by "
                                "each check that refused", ["check"], registry=r)
        self.decisions = Counter("gateway_operator_decisions", "Approvals and denials by "
                                 "operator", ["decision", "operator"], registry=r)
        self.decision_seconds = Histogram("gateway_decision_seconds", "Time from proposal to "
                                          "approval or denial", ["decision"],
                                          buckets=DECISION_BUCKETS, registry=r)
        self.transitions = Counter("gateway_order_events", "Order records by kind (a state "
                                   "entered, edited, first_approval)",
                                   ["event"], registry=r)
        self.halts = Counter("gateway_halts", "Halts set (by any actor, through this process)",
                             registry=r)
        self.resumes = Counter("gateway_resumes", "Halts cleared", registry=r)
        self.quarantines = Counter("gateway_quarantines", "Producers quarantined",
                                   registry=r)
        self.mismatches = Counter("gateway_venue_mismatches", "Reconciliation mismatches "
                                  "found", registry=r)
        self.access_refusals = Counter("gateway_access_refusals", "Requests refused for "
                                       "credentials or role", ["kind"], registry=r)
        self.refused_calls = Counter("gateway_refused_calls", "Calls refused by the API "
                                     "(audited as call.refused), by error code and caller "
                                     "role", ["code", "role"], registry=r)
        self.venue_seconds = Histogram("gateway_venue_request_seconds", "Venue call latency",
                                       ["call"], buckets=VENUE_BUCKETS, registry=r)
        self.venue_errors = Counter("gateway_venue_errors", "Venue calls that failed, by "
                                    "error", ["call", "error"], registry=r)
        self.webhooks = Counter("gateway_webhook_deliveries", "Webhook delivery attempts by "
                                "result (sent, retry, gave_up)", ["result"], registry=r)
        self.write_batches = Counter("gateway_committed_audit_records", "Audit records "
                                     "committed by this process", registry=r)

    def observe(self, events: Iterable[Event]) -> None:
        for e in events:
            kind = e.kind
            if (outcome := _OUTCOME.get(kind)) is not None:
                self.proposals.labels(outcome).inc()
                for check in e.payload.get("failed") or ():
                    self.refusals.labels(check).inc()
            elif (decision := _DECISION.get(kind)) is not None:
                self.decisions.labels(decision, e.operator or e.actor).inc()
                if decision != "first_approval" and e.order_id is not None:
                    proposed = created_millis(e.order_id)
                    if proposed is not None:
                        waited = max(0.0, e.ts.timestamp() - proposed / 1000)
                        self.decision_seconds.labels(decision).observe(waited)
            if kind.startswith("order.") and kind not in _OUTCOME:
                self.transitions.labels(kind.removeprefix("order.")).inc()
            elif kind == "halt.set":
                self.halts.inc()
            elif kind == "halt.cleared":
                self.resumes.inc()
            elif kind == "producer.quarantined":
                self.quarantines.inc()
            elif kind == "venue.mismatch":
                self.mismatches.inc()
            elif kind.startswith("access."):
                self.access_refusals.labels(kind.removeprefix("access.")).inc()
            elif kind == "call.refused":
                # Both labels come from fixed sets (the API's error codes, the roles); the
                # path, which a caller chooses, is never a label.
                self.refused_calls.labels(str(e.payload.get("code") or "unknown"),
                                          str(e.payload.get("role") or "unknown")).inc()

    def exposition(self, facts: DbFacts | None, now: datetime) -> bytes:
        """This process's counters, then the shared gauges read for this scrape."""
        shared = CollectorRegistry(auto_describe=True)
        up = Gauge("gateway_database_up", "1 if the database answered this scrape",
                   registry=shared)
        up.set(0 if facts is None else 1)
        if facts is not None:
            gauges = {
                "gateway_pending_orders": ("Orders waiting for a human decision",
                                           facts.pending),
                "gateway_oldest_pending_age_seconds": (
                    "Age of the oldest order waiting for a decision (0: none)",
                    (now - facts.oldest_pending_at).total_seconds()
                    if facts.oldest_pending_at else 0.0),
                "gateway_approved_unsent_orders": ("Approved orders not yet claimed for "
                                                   "sending", facts.approved_waiting),
                "gateway_audit_head_seq": ("Position of the audit chain's head",
                                           facts.audit_head),
                "gateway_halted": ("1 while all trading is halted", int(facts.halted)),
            }
            for name, (doc, value) in gauges.items():
                Gauge(name, doc, registry=shared).set(value)
            scoped = Gauge("gateway_scoped_halts", "Halts of one symbol or one producer in "
                           "force", ["scope"], registry=shared)
            for scope in ("symbol", "producer"):  # both always present: 0 is a reading too
                scoped.labels(scope).set(sum(1 for h in facts.scoped if h.scope == scope))
        return generate_latest(self.registry) + generate_latest(shared)
