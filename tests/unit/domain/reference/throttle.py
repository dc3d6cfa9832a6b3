from __future__ import annotations

from gateway.domain.checks._result import not_set, ok, refuse
from gateway.domain.decision import CheckResult
from gateway.domain.limits import Limits
from gateway.domain.orders import Proposal
from gateway.domain.risk import RiskSnapshot

NAME = "throttle"


def check_throttle(p: Proposal, limits: Limits, snap: RiskSnapshot) -> CheckResult:
    t = limits.throttle
    window = f"per {t.window_seconds}s"
    # Counts include this proposal: the snapshot was narrowed after counting it.
    mine = snap.recent_by_producer.get(p.producer, 0)
    if t.max_proposals_per_producer is not None and mine > t.max_proposals_per_producer:
        return refuse(NAME, mine, t.max_proposals_per_producer,
                      f"more than {t.max_proposals_per_producer} proposals {window} from this "
                      "producer; slow down")
    if t.max_proposals is not None and snap.recent_proposals > t.max_proposals:
        return refuse(NAME, snap.recent_proposals, t.max_proposals,
                      f"more than {t.max_proposals} proposals {window} in all; retry later")
    if t.max_proposals_per_producer is None and t.max_proposals is None:
        return not_set(NAME, mine)
    return ok(NAME, mine, t.max_proposals_per_producer or t.max_proposals,
              f"proposal rate within the throttle ({window})")
