"""The sliding window that counts a producer's bad acts, and the quarantine: section."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from gateway.domain.quarantine_limits import QuarantineLimits
from gateway.services.quarantine import AUTH_FAILURES, ROLE_VIOLATIONS, Watch


class Ticks:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


RULES = QuarantineLimits(window_seconds=10, max_auth_failures=3, max_role_violations=2)


def test_the_threshold_within_the_window_returns_the_evidence() -> None:
    watch = Watch(Ticks())
    assert watch.record("bot", AUTH_FAILURES, "a", RULES) is None
    assert watch.record("bot", AUTH_FAILURES, "b", RULES) is None
    assert watch.record("bot", AUTH_FAILURES, "c", RULES) == ["a", "b", "c"]


def test_events_older_than_the_window_no_longer_count() -> None:
    ticks = Ticks()
    watch = Watch(ticks)
    watch.record("bot", AUTH_FAILURES, "a", RULES)
    watch.record("bot", AUTH_FAILURES, "b", RULES)
    ticks.now = 11.0
    assert watch.record("bot", AUTH_FAILURES, "c", RULES) is None


def test_producers_and_kinds_are_counted_apart() -> None:
    watch = Watch(Ticks())
    watch.record("bot", ROLE_VIOLATIONS, "x", RULES)
    assert watch.record("other", ROLE_VIOLATIONS, "y", RULES) is None
    assert watch.record("bot", AUTH_FAILURES, "z", RULES) is None
    assert watch.record("bot", ROLE_VIOLATIONS, "w", RULES) == ["x", "w"]


@pytest.mark.parametrize("section", [{"window_seconds": 0}, {"max_auth_failures": "3"},
                                     {"surprise": 1}, {"max_limit_refusals": True}])
def test_the_quarantine_section_refuses_bad_values_and_unknown_keys(
    section: dict[str, object]
) -> None:
    with pytest.raises(ValidationError):
        QuarantineLimits.model_validate(section)
