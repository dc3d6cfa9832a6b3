"""End to end: SIGHUP makes a running `gateway serve` re-read its limits file; an invalid
file keeps the limits in force. Both are audited."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.test_serve_lifecycle import Server
from tests.servers import REPO


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    s = Server(tmp_path)
    s.env["GATEWAY_LIMITS"] = str(tmp_path / "limits.yaml")
    (tmp_path / "limits.yaml").write_text((REPO / "limits.yaml").read_text())
    yield s
    if s.proc is not None and s.proc.poll() is None:
        s.proc.kill()


def eventually(probe: Callable[[], Any], what: str) -> Any:
    deadline = time.monotonic() + 30  # a bound on waiting, not a timing assertion
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"never happened: {what}")


def test_sighup_puts_an_edited_file_in_force_and_keeps_the_old_limits_on_a_bad_one(
        server: Server, tmp_path: Path) -> None:
    token = server.register("operators", "rita", "--role", "risk")
    server.start()
    assert server.proc is not None
    api = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"})

    def version() -> str:
        return str(api.get("/v1/status").json()["limits_version"])

    def audited(kind: str) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = api.get("/v1/audit", params={"kind": kind}).json()[
            "events"]
        return [e for e in events if e["actor"] == "system:sighup"]

    before = version()
    limits = tmp_path / "limits.yaml"
    limits.write_text(limits.read_text().replace('max_order_notional: "25000"',
                                                 'max_order_notional: "24000"'))
    server.proc.send_signal(signal.SIGHUP)
    [change] = eventually(lambda: audited("limits.changed"), "the reload audited")
    assert change["payload"]["diff"]["max_order_notional"] == {"before": "25000",
                                                               "after": "24000"}
    after = version()
    assert after != before

    limits.write_text(limits.read_text() + "surprise_key: 1\n")
    server.proc.send_signal(signal.SIGHUP)
    [refusal] = eventually(lambda: audited("limits.reload_refused"), "the refusal audited")
    assert "surprise_key" in str(refusal)
    assert version() == after  # the limits in force are unchanged
    assert server.proc.poll() is None  # and the server keeps serving
    assert server.stop() == 0
