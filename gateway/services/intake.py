"""Intake: decide (pure), then buffer the order and its audit records for the batch commit."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta

from gateway.adapters.store import orders_repo
from gateway.adapters.store.canonical import Encoded
from gateway.adapters.store.uow import UnitOfWork
from gateway.domain.checks import ALL_CHECKS
from gateway.domain.checks.producer_scope import RATE_WINDOW_SECONDS, ProducerScope, scope_checks
from gateway.domain.decision import CheckResult, Decision
from gateway.domain.halts import Halt
from gateway.domain.limits import Limits
from gateway.domain.orders import Order, OrderState, Proposal
from gateway.domain.policy import evaluate
from gateway.domain.risk import RecentOrder, Reservation

from .authn import Quarantined, SignatureRefused
from .errors import Conflict, HaltedError, LimitRejected
from .ids import client_order_id, new_order_id
from .nonces import NonceClaim


@dataclass(frozen=True, slots=True)
class IntakeResult:
    order: Order | None
    decision: Decision | None
    replayed: bool = False
    halted: Halt | None = None
    checks_json: str | None = None  # the decision's checks as stored (canonical JSON)

    def accepted(self) -> Order:
        """The queued (or replayed) order; raise the refusal the caller must see otherwise."""
        refusal: HaltedError | LimitRejected
        if self.order is None:
            # Audited as proposal.refused_halted.
            refusal = HaltedError(None) if self.halted is None else HaltedError.of(self.halted)
        elif self.order.state is OrderState.REJECTED and self.decision is not None:
            # Audited with the rejected order (a replay: the first time).
            refusal = LimitRejected(self.decision, self.order, replayed=self.replayed)
        else:
            return self.order
        refusal.audited = True
        raise refusal


def _same_payload(order: Order, p: Proposal) -> bool:
    return (order.symbol, order.side, order.type, order.quantity, order.limit_price) == (
        p.symbol, p.side, p.type, p.quantity, p.limit_price
    )


def _stored_decision(uow: UnitOfWork, order: Order) -> Decision:
    """The findings a proposal was refused with, from this batch or from its stored row."""
    for new, checks_json in uow.new_orders:
        if new.id == order.id:
            return Decision(tuple(CheckResult(**d) for d in json.loads(checks_json)))
    return Decision(tuple(orders_repo.stored_checks(uow.conn, order.id)))


def _existing(uow: UnitOfWork, p: Proposal) -> Order | None:
    assert p.idempotency_key is not None
    found = uow.find_new(p.producer, p.idempotency_key)
    if found is not None or not uow.may_know_key(p.producer, p.idempotency_key):
        return found
    return orders_repo.find_by_idempotency_key(uow.conn, p.producer, p.idempotency_key)


class ProposalJob:
    """The writer job for one proposal, against the limits in force in its transaction.

    It exposes its idempotency key so the writer can probe every key of a batch in one
    query instead of one per proposal."""

    buffered = True

    def __init__(self, p: Proposal, scope: ProducerScope | None = None,
                 nonce: NonceClaim | None = None, scope_version: int | None = None) -> None:
        self.proposal = p
        self.scope = scope
        self.nonce = nonce
        self.scope_version = scope_version
        self.idempotency = (p.producer, p.idempotency_key) if p.idempotency_key else None
        self.nonce_probe = nonce.nonce_probe if nonce is not None else None

    def __call__(self, uow: UnitOfWork) -> IntakeResult:
        if self.nonce is not None and not self.nonce(uow):
            raise SignatureRefused("nonce already used (a replayed request): send a new nonce "
                                   "with every request", "replay", self.proposal.producer)
        return propose(uow, self.proposal, *uow.limits(), scope=self.scope,
                       scope_version=self.scope_version)


def proposal_job(p: Proposal, scope: ProducerScope | None = None,
                 nonce: NonceClaim | None = None, scope_version: int | None = None
                 ) -> ProposalJob:
    return ProposalJob(p, scope, nonce, scope_version)


def propose(uow: UnitOfWork, p: Proposal, limits: Limits, limits_version: str,
            scope: ProducerScope | None = None, scope_version: int | None = None,
            origin: str | None = None) -> IntakeResult:
    actor = f"producer:{p.producer}"
    if p.idempotency_key is not None:
        existing = _existing(uow, p)
        if existing is not None:
            if _same_payload(existing, p):
                # A retry hears what the first attempt heard: a refusal stays a refusal.
                refused = _stored_decision(uow, existing) if (
                    existing.state is OrderState.REJECTED) else None
                return IntakeResult(existing, refused, replayed=True)
            raise Conflict(
                f"idempotency key {p.idempotency_key!r} was used for order {existing.id} with a "
                "different payload; use a new key for a new order"
            )
    if p.producer in uow.inactive_producers():
        # Authentication may have cached "active" for a moment; the transaction has the truth.
        raise Quarantined(f"producer {p.producer} is suspended: an operator must reinstate it "
                          f"(`gateway producers reinstate {p.producer}`)")
    stop = uow.halts.blocking(p.symbol, p.producer)
    if stop is not None:
        # Returned, not raised: raising would roll back the audit record of the refusal too.
        uow.audit.append(uow.now, "proposal.refused_halted", actor, reason=stop.reason,
                         payload={**_proposal_payload(p), "halt_scope": stop.scope.value,
                                  "halt_target": stop.target or None})
        return IntakeResult(None, None, halted=stop)

    rules = ALL_CHECKS
    if scope is not None:
        # The producer's own scope applies on top of the global limits.
        recent = 0 if scope.rate_per_minute is None else uow.recent_count(
            p.producer, RATE_WINDOW_SECONDS, scope.rate_per_minute)
        rules = ALL_CHECKS + scope_checks(scope, recent)
    snap = uow.snapshot_for(p, limits)
    decision = evaluate(p, limits, snap, rules)
    order_id = new_order_id(uow.now)
    passed = decision.passed
    order = Order(
        id=order_id, producer=p.producer, symbol=p.symbol, side=p.side, type=p.type,
        quantity=p.quantity, limit_price=p.limit_price,
        state=OrderState.PENDING_APPROVAL if passed else OrderState.REJECTED,
        created_at=uow.now, updated_at=uow.now,
        expires_at=uow.now + timedelta(seconds=limits.approval_ttl_seconds),
        idempotency_key=p.idempotency_key, client_order_id=client_order_id(order_id),
        reason=None if passed else decision.summary(), limits_version=limits_version,
        rationale=p.rationale, confidence=p.confidence, decided_at=None if passed else uow.now,
        venue=p.venue if p.venue is not None else snap.venue, scope_version=scope_version,
        origin=origin,
    )
    # Encoded once: the same text is the order row's, the audit record's and the response's.
    checks = orders_repo.encode_checks(decision.checks)
    uow.add_order(order, checks)
    uow.record_proposal(p.producer, RecentOrder(p.symbol, p.side, p.quantity, uow.now,
                                                p.idempotency_key))
    uow.audit.append(
        uow.now, "order.proposed", actor, order_id=order_id,
        payload={**_proposal_payload(p), "limits_version": limits_version,
                 "venue": order.venue, "scope_version": scope_version,
                 "checks": Encoded(checks)},
    )
    if passed:
        uow.reserve(Reservation(order_id, p.symbol, p.side, p.quantity, p.producer))
        uow.audit.append(uow.now, "order.queued", "system:intake", order_id=order_id,
                         payload={"expires_at": order.expires_at})
    else:
        uow.audit.append(uow.now, "order.rejected", "system:limits", order_id=order_id,
                         reason=order.reason, payload={
                             "producer": p.producer,
                             "failed": [c.name for c in decision.checks if not c.passed]})
    return IntakeResult(order, decision, checks_json=checks)


def _proposal_payload(p: Proposal) -> dict[str, object]:
    return {
        "symbol": p.symbol, "side": p.side.value, "type": p.type.value, "quantity": p.quantity,
        "limit_price": p.limit_price, "idempotency_key": p.idempotency_key,
        "rationale": p.rationale, "confidence": p.confidence,
    }
