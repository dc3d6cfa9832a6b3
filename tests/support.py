"""Helpers that build a real gateway (real database, fake or paper venue) for tests."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from gateway.adapters.store.writer import execute_batch
from gateway.api.app import create_app
from gateway.bootstrap import Gateway, build
from gateway.ports.clock import Clock, SystemClock
from gateway.ports.exchange import Exchange
from gateway.services import principals
from gateway.settings import Settings
from tests.fakes.exchange import FakeExchange
from tests.signing_support import SignProducerBearer

LIMITS = """
quote_currency: USDT
approval_ttl_seconds: 120
max_order_notional: "25000"
symbols:
  BTC/USDT: {max_position: "0.5", max_order_notional: "20000"}
  ETH/USDT: {max_position: "8"}
"""


def make_gateway(database_url: str, tmp_path: Path, *, limits: str = LIMITS,
                 exchange: Exchange | None = None, clock: Clock | None = None) -> Gateway:
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "limits.yaml"
    path.write_text(limits)
    settings = Settings(database_url=database_url, limits_path=path, paper_state=None,
                        unknown_grace_s=0.0, signing_key_path=tmp_path / "signing.key")
    return build(settings, exchange=exchange or FakeExchange(), clock=clock, poll_s=0.02)


def add(gw: Gateway, name: str, role: str, person: str = "alice",
        jurisdiction: str | None = None) -> str:
    r = principals.Role(role)
    [(token, error)] = execute_batch(gw.engine, SystemClock(), {}, [
        lambda uow: principals.add(uow, name, r, person, "admin:test",
                                   jurisdiction=jurisdiction)])
    assert error is None, error
    return str(token)


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def proposal(**overrides: Any) -> dict[str, Any]:
    # A fresh idempotency key each time: these are distinct orders, not retries (the
    # duplicate guard, which keyless twins trip, has tests of its own).
    body: dict[str, Any] = {"symbol": "BTC/USDT", "side": "buy", "type": "limit",
                            "quantity": "0.1", "limit_price": "40000",
                            "idempotency_key": uuid.uuid4().hex}
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


class Desk:
    """A test client with a producer, a trader and a risk officer registered."""

    def __init__(self, gw: Gateway, *, run_executor: bool = True) -> None:
        self.gw = gw
        self.bot = auth(add(gw, "bot1", "producer", "alice"))
        self.bot2 = auth(add(gw, "bot2", "producer", "bob"))
        self.trader = auth(add(gw, "trader1", "trader", "tina"))
        self.trader2 = auth(add(gw, "trader2", "trader", "tom"))
        self.risk = auth(add(gw, "risk1", "risk", "rita"))
        self.client = TestClient(create_app(gw, run_executor=run_executor))
        self.client.auth = SignProducerBearer()  # producer credentials sign each request

    def __enter__(self) -> Desk:
        self.client.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.client.__exit__(*exc)


def wait_for_state(client: TestClient, headers: dict[str, str], order_id: str,
                   states: set[str], timeout_s: float = 15.0) -> dict[str, Any]:
    """Poll until the order reaches one of `states` (a bound on waiting, not a timing check)."""
    import time

    deadline = time.monotonic() + timeout_s
    while True:
        order: dict[str, Any] = client.get(f"/v1/orders/{order_id}", headers=headers).json()
        if order["state"] in states or time.monotonic() > deadline:
            return order
        time.sleep(0.02)
