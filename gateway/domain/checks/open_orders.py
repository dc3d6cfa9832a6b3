from __future__ import annotations

from ..decision import CheckResult
from ..limits import Limits
from ..orders import Proposal
from ..risk import RiskSnapshot
from ._bind import Step, bound
from ._result import not_set, ok, refuse

ALL, MINE = "max_open_orders", "max_open_orders_per_producer"


def _bind_all(limits: Limits, symbol: str) -> Step:
    cap = limits.max_open_orders

    def max_open_orders(p: Proposal, limits: Limits, snap: RiskSnapshot) -> CheckResult:
        if cap is None:
            return not_set(ALL, snap.open_orders)
        after = snap.open_orders + 1
        if after > cap:
            return refuse(ALL, after, cap, "too many pending and open orders; wait for some to "
                          "finish")
        return ok(ALL, after, cap, "open orders within the limit")

    return max_open_orders


def _bind_mine(limits: Limits, symbol: str) -> Step:
    cap = limits.max_open_orders_per_producer

    def max_open_orders_per_producer(p: Proposal, limits: Limits,
                                     snap: RiskSnapshot) -> CheckResult:
        mine = snap.open_by_producer.get(p.producer, 0)
        if cap is None:
            return not_set(MINE, mine)
        if mine + 1 > cap:
            return refuse(MINE, mine + 1, cap, "this producer has too many pending and open "
                          "orders; cancel or wait")
        return ok(MINE, mine + 1, cap, "producer's open orders within the limit")

    return max_open_orders_per_producer


check_max_open_orders = bound("max_open_orders")(_bind_all)
check_max_open_orders_per_producer = bound("max_open_orders_per_producer")(_bind_mine)
