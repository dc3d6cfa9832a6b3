"""Fuzz the whole API from its OpenAPI schema (schemathesis): no 5xx, no invalid order accepted.

Every generated request is sent three times, as a producer (signed), a trader and a risk
officer, so both sides of each role boundary are exercised. The event streams never end
and are left out; so is halt, whose 503s on later proposals are the point of a halt.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from gateway.api.app import create_app
from gateway.bootstrap import Gateway
from tests.signing_support import SignProducerBearer
from tests.support import add, auth, make_gateway, proposal

LENIENT = ("quarantine: {max_auth_failures: 100000, max_role_violations: 100000, "
           "max_limit_refusals: 100000, max_rate_refusals: 100000}\n")


class Served:
    def __init__(self, gw: Gateway) -> None:
        self.gw = gw
        self.client = TestClient(create_app(gw), raise_server_exceptions=False)
        self.client.auth = SignProducerBearer()
        self.who = {"producer": auth(add(gw, "bot1", "producer")),
                    "trader": auth(add(gw, "trader1", "trader", "tina")),
                    "risk": auth(add(gw, "risk1", "risk", "rita"))}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    from tests.support import LIMITS

    tmp = tmp_path_factory.mktemp("fuzz")
    s = Served(make_gateway(f"sqlite:///{tmp}/gateway.db", Path(tmp), limits=LIMITS + LENIENT))
    with s.client:
        # One real order, so generated order ids sometimes meet an existing one.
        s.client.post("/v1/orders", json=proposal(), headers=s.who["producer"])
        yield s


@pytest.fixture(scope="module")
def api_schema(served: Served) -> Any:
    raw = served.client.app.openapi()  # type: ignore[attr-defined]
    return schemathesis.openapi.from_dict(raw).exclude(path_regex="events$").exclude(
        path="/v1/halt")


def assert_valid_order(order: dict[str, Any], served: Served) -> None:
    limits, _ = served.gw.limits.current()
    assert order["symbol"] in limits.symbols, order
    assert Decimal(order["quantity"]) > 0, order
    assert all(check["passed"] for check in order["checks"]), order


STATUSES: list[int] = []


def send(served: Served, case: Any) -> None:
    kwargs = case.as_transport_kwargs(base_url="http://testserver")
    for who, headers in served.who.items():
        sent = {**kwargs, "headers": {**(kwargs.get("headers") or {}), **headers}}
        sent.pop("cookies", None)  # no endpoint reads cookies
        r = served.client.request(sent.pop("method"), sent.pop("url"), **sent)
        assert r.status_code < 500, (who, case.method, case.path, r.status_code, r.text)
        STATUSES.append(r.status_code)
        if case.method == "POST" and case.path == "/v1/orders" and r.status_code in (200, 201):
            assert_valid_order(r.json(), served)


@pytest.mark.parametrize("mode", list(GenerationMode))
def test_no_request_gets_a_server_error_or_queues_an_invalid_order(
    served: Served, api_schema: Any, mode: GenerationMode
) -> None:
    # schemathesis generates the cases (valid ones, then ones that break the schema);
    # hypothesis drives them directly, as schemathesis's pytest plugin lags pytest 9.
    @given(case=api_schema.as_strategy(mode))
    @settings(max_examples=70, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def run(case: Any) -> None:
        send(served, case)

    run()


def test_the_fuzzing_reached_past_the_front_door() -> None:
    # Guards against a fuzz run that only ever saw 401s or 422s and so proved little.
    assert {200, 403, 404, 422} <= set(STATUSES)


AMOUNTS = st.sampled_from(["0.1", "0.01", "0", "-0.1", "1e-3", "NaN", "Infinity", "0.1000",
                           "0.123456789012345678901", "99999999999999999999", " 0.1", "0,1",
                           "0x10", "\u0661", "", True, 0.1, 1, None, [], {}])


@given(body=st.fixed_dictionaries(
    {"symbol": st.sampled_from(["BTC/USDT", "ETH/USDT", "btc/usdt", "BTC/USDT ", "DOGE/USDT"]),
     "side": st.sampled_from(["buy", "sell", "BUY", "hold"]),
     "quantity": AMOUNTS},
    optional={"type": st.sampled_from(["limit", "market", "stop"]),
              "limit_price": AMOUNTS | st.sampled_from(["40000", "39999.5", "1000000"]),
              "confidence": AMOUNTS, "surprise": st.just("x"),
              "idempotency_key": st.text(max_size=70)}))
@settings(max_examples=100, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_near_valid_proposals_never_queue_an_invalid_order(served: Served,
                                                           body: dict[str, Any]) -> None:
    r = served.client.post("/v1/orders", json=body, headers=served.who["producer"])
    assert r.status_code < 500, (body, r.status_code, r.text)
    if r.status_code in (200, 201):
        assert_valid_order(r.json(), served)
        assert "surprise" not in body and body["quantity"] in ("0.1", "0.01", "0.1000"), body
    else:
        assert r.json()["error"]["message"], body
