"""Automatic halts say which rule fired, with the figures, in status and the audit trail:
here a burst of producer quarantines (limits.yaml `quarantine.halt_after`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import LIMITS, Desk, make_gateway

BURST = ("quarantine: {max_role_violations: 2, halt_after: 2, halt_window_seconds: 600}\n")


@pytest.fixture
def desk(database_url: str, tmp_path: Path) -> Iterator[Desk]:
    with Desk(make_gateway(database_url, tmp_path, limits=LIMITS + BURST)) as d:
        yield d


def misbehave(desk: Desk, bot: dict[str, str]) -> None:
    for _ in range(2):  # calls outside the producer role: quarantined at the second
        assert desk.client.post("/v1/halt", json={"reason": "let me"},
                                headers=bot).status_code == 403


def events(desk: Desk, kind: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = desk.client.get(
        "/v1/audit", params={"kind": kind}, headers=desk.trader).json()["events"]
    return found


def test_one_quarantine_does_not_halt(desk: Desk) -> None:
    misbehave(desk, desk.bot)

    assert desk.client.get("/v1/status", headers=desk.trader).json()["halt"]["halted"] is False


def test_a_burst_of_quarantines_halts_trading_naming_the_rule_and_the_figures(
        desk: Desk) -> None:
    misbehave(desk, desk.bot)
    misbehave(desk, desk.bot2)

    halt = desk.client.get("/v1/status", headers=desk.trader).json()["halt"]
    assert (halt["halted"], halt["actor"], halt["rule"]) == (
        True, "system:quarantine_burst", "quarantine.halt_after")
    assert halt["reason"] == ("quarantine burst: 2 producers quarantined within 600 s reached "
                              "quarantine.halt_after 2 (bot1, bot2)")
    [breach] = events(desk, "risk.breach")
    assert breach["payload"] == {"rule": "quarantine.halt_after", "quarantined": 2, "limit": 2,
                                 "window_seconds": 600, "producers": ["bot1", "bot2"]}
    [record] = events(desk, "halt.set")
    assert record["payload"]["rule"] == "quarantine.halt_after"
    assert record["payload"]["figures"]["producers"] == ["bot1", "bot2"]
