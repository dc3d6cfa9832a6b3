from __future__ import annotations

from gateway.domain.checks._result import not_set, ok, refuse
from gateway.domain.decision import CheckResult
from gateway.domain.limits import Limits
from gateway.domain.orders import Proposal
from gateway.domain.risk import RiskSnapshot


def check_max_open_orders(p: Proposal, limits: Limits, snap: RiskSnapshot) -> CheckResult:
    name = "max_open_orders"
    if limits.max_open_orders is None:
        return not_set(name, snap.open_orders)
    after = snap.open_orders + 1
    if after > limits.max_open_orders:
        return refuse(name, after, limits.max_open_orders,
                      "too many pending and open orders; wait for some to finish")
    return ok(name, after, limits.max_open_orders, "open orders within the limit")


def check_max_open_orders_per_producer(
    p: Proposal, limits: Limits, snap: RiskSnapshot
) -> CheckResult:
    name = "max_open_orders_per_producer"
    mine = snap.open_by_producer.get(p.producer, 0)
    if limits.max_open_orders_per_producer is None:
        return not_set(name, mine)
    if mine + 1 > limits.max_open_orders_per_producer:
        return refuse(name, mine + 1, limits.max_open_orders_per_producer,
                      "this producer has too many pending and open orders; cancel or wait")
    return ok(name, mine + 1, limits.max_open_orders_per_producer,
              "producer's open orders within the limit")
