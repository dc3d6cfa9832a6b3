from __future__ import annotations

from ..decision import CheckResult
from ..limits import Limits
from ..orders import Proposal
from ..risk import RiskSnapshot
from ._bind import Step, bound
from ._result import not_set, ok, refuse

NAME = "throttle"


def _bind(limits: Limits, symbol: str) -> Step:
    t = limits.throttle
    mine_cap, all_cap = t.max_proposals_per_producer, t.max_proposals
    window = f"per {t.window_seconds}s"
    passing = f"proposal rate within the throttle ({window})"

    def throttle(p: Proposal, limits: Limits, snap: RiskSnapshot) -> CheckResult:
        # Counts include this proposal: the snapshot was narrowed after counting it.
        mine = snap.recent_by_producer.get(p.producer, 0)
        if mine_cap is not None and mine > mine_cap:
            return refuse(NAME, mine, mine_cap, f"more than {mine_cap} proposals {window} from "
                          "this producer; slow down")
        if all_cap is not None and snap.recent_proposals > all_cap:
            return refuse(NAME, snap.recent_proposals, all_cap,
                          f"more than {all_cap} proposals {window} in all; retry later")
        if mine_cap is None and all_cap is None:
            return not_set(NAME, mine)
        return ok(NAME, mine, mine_cap or all_cap, passing)

    return throttle


check_throttle = bound("throttle")(_bind)
