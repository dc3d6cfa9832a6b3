"""The trader's CLI against a real gateway on loopback: one-line failures, versions, principals."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from gateway.cli.main import main
from gateway.sdk.auth import ProducerAuth
from tests.servers import free_port, in_thread
from tests.support import add, make_gateway, proposal


@dataclass
class Served:
    url: str
    database_url: str
    bot: str
    trader: str


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Served]:
    url = f"sqlite:///{tmp_path}/gateway.db"
    monkeypatch.setenv("GATEWAY_DATABASE_URL", url)
    monkeypatch.delenv("GATEWAY_TOKEN", raising=False)
    gw = make_gateway(url, tmp_path, limits=(
        "max_order_notional: '25000'\nbar_own_principal_approval: true\n"
        "symbols:\n  BTC/USDT: {max_position: '0.5'}\n"))
    bot, trader = add(gw, "bot1", "producer", "Alice Smith"), add(gw, "tina", "trader", "tina")
    with in_thread(gw) as (base, _):
        yield Served(base, url, bot, trader)


def propose(served: Served) -> dict[str, object]:
    reply = httpx.post(f"{served.url}/v1/orders", json=proposal(), auth=ProducerAuth(served.bot))
    assert reply.status_code == 201, reply.text
    order: dict[str, object] = reply.json()
    return order


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_command_with_no_gateway_listening_fails_with_one_line_naming_the_url(
        capsys: pytest.CaptureFixture[str]) -> None:
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    code, out, err = run(capsys, "--url", url, "--token", "gwo_anything", "status")
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and err.startswith("gateway: cannot reach the gateway at ")
    assert url in err and "gateway serve" in err


def test_deny_with_the_version_seen_is_refused_once_the_order_changed(
        served: Served, capsys: pytest.CaptureFixture[str]) -> None:
    order = propose(served)
    common = ("--url", served.url, "--token", served.trader, "deny", str(order["id"]),
              "--reason", "too big")
    code, _, err = run(capsys, *common, "--version", "7")
    assert code == 1 and "changed since you saw it (version 7, now 1)" in err
    code, out, _ = run(capsys, "--json", *common, "--version", "1")
    assert code == 0 and json.loads(out)["state"] == "denied"


def test_an_operator_registered_with_a_bots_principal_may_not_approve_its_orders(
        served: Served, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--json", "operators", "add", "asmith", "--role", "trader",
                       "--principal", "alice smith")
    assert code == 0 and json.loads(out)["principal"] == "alice smith"
    own = json.loads(out)["token"]
    order = propose(served)

    code, _, err = run(capsys, "--url", served.url, "--token", own, "approve", str(order["id"]))
    assert code == 1 and "403" in err and "answers for bot1" in err
    code, _, _ = run(capsys, "--url", served.url, "--token", served.trader, "approve",
                     str(order["id"]))
    assert code == 0
