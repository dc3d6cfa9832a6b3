"""Producers prove every request: tampering, stale timestamps and replays are refused."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gateway.adapters.store.writer import execute_batch
from gateway.api.app import create_app
from gateway.bootstrap import Gateway
from gateway.ports.clock import SystemClock
from gateway.sdk import signing
from gateway.services import principals
from tests.support import add, auth, make_gateway, proposal


@pytest.fixture
def gw(database_url: str, tmp_path: Path) -> Gateway:
    return make_gateway(database_url, tmp_path)


@pytest.fixture
def client(gw: Gateway) -> Iterator[TestClient]:
    with TestClient(create_app(gw)) as c:
        yield c


def signed(credential: str, method: str, path: str, body: bytes = b"", **over: object
           ) -> dict[str, str]:
    headers = signing.sign(credential, method, path, body, **over)  # type: ignore[arg-type]
    return {**headers, "Content-Type": "application/json"}


def post_order(client: TestClient, headers: dict[str, str], body: bytes) -> int:
    return client.post("/v1/orders", content=body, headers=headers).status_code


BODY = json.dumps(proposal()).encode()


def test_a_correctly_signed_proposal_is_queued(gw: Gateway, client: TestClient) -> None:
    bot = add(gw, "bot1", "producer")
    assert post_order(client, signed(bot, "POST", "/v1/orders", BODY), BODY) == 201


def test_a_tampered_body_is_refused(gw: Gateway, client: TestClient) -> None:
    bot = add(gw, "bot1", "producer")
    headers = signed(bot, "POST", "/v1/orders", BODY)
    tampered = BODY.replace(b'"0.1"', b'"0.4"')
    r = client.post("/v1/orders", content=tampered, headers=headers)
    assert r.status_code == 401
    assert "bad signature" in r.json()["error"]["message"]


def test_a_tampered_signature_is_refused(gw: Gateway, client: TestClient) -> None:
    bot = add(gw, "bot1", "producer")
    headers = signed(bot, "POST", "/v1/orders", BODY)
    sig = headers["X-GW-Signature"]
    headers["X-GW-Signature"] = ("0" if sig[0] != "0" else "1") + sig[1:]
    assert post_order(client, headers, BODY) == 401


def test_a_signature_for_another_path_is_refused(gw: Gateway, client: TestClient) -> None:
    bot = add(gw, "bot1", "producer")
    r = client.get("/v1/orders", headers=signed(bot, "GET", "/v1/orders?state=filled"))
    assert r.status_code == 401


def test_a_signature_made_with_another_secret_is_refused(gw: Gateway, client: TestClient) -> None:
    bot = add(gw, "bot1", "producer")
    key_id, _ = signing.split_credential(bot)
    assert post_order(client, signed(f"{key_id}.guessed", "POST", "/v1/orders", BODY), BODY) == 401


# Ahead of the clock by 45 s, not 31: stamps are whole seconds and the check happens later
# than the signing, so +31 fell inside the window whenever the two were a second apart.
@pytest.mark.parametrize("skew", [-31, 45, -3600])
def test_a_timestamp_outside_thirty_seconds_is_refused(gw: Gateway, client: TestClient,
                                                       skew: int) -> None:
    bot = add(gw, "bot1", "producer")
    headers = signed(bot, "POST", "/v1/orders", BODY, now=time.time() + skew)
    r = client.post("/v1/orders", content=BODY, headers=headers)
    assert r.status_code == 401
    assert "timestamp" in r.json()["error"]["message"]


def test_a_replayed_request_is_refused_even_when_signed_correctly(gw: Gateway,
                                                                  client: TestClient) -> None:
    bot = add(gw, "bot1", "producer")
    headers = signed(bot, "POST", "/v1/orders", BODY)
    assert post_order(client, headers, BODY) == 201
    r = client.post("/v1/orders", content=BODY, headers=headers)
    assert r.status_code == 401
    assert "nonce already used" in r.json()["error"]["message"]


def test_a_replay_is_refused_by_another_gateway_process_on_the_same_database(
    gw: Gateway, tmp_path: Path, database_url: str
) -> None:
    bot = add(gw, "bot1", "producer")
    other = make_gateway(database_url, tmp_path)
    headers = signed(bot, "GET", "/v1/orders")
    with TestClient(create_app(gw)) as first, TestClient(create_app(other)) as second:
        assert first.get("/v1/orders", headers=headers).status_code == 200
        assert second.get("/v1/orders", headers=headers).status_code == 401


@pytest.mark.parametrize("missing", ["X-GW-Timestamp", "X-GW-Nonce", "X-GW-Signature"])
def test_a_signed_request_missing_a_header_is_refused(gw: Gateway, client: TestClient,
                                                      missing: str) -> None:
    bot = add(gw, "bot1", "producer")
    headers = signed(bot, "GET", "/v1/orders")
    del headers[missing]
    assert client.get("/v1/orders", headers=headers).status_code == 401


def test_a_producer_credential_sent_as_a_bearer_token_is_refused(gw: Gateway,
                                                                 client: TestClient) -> None:
    bot = add(gw, "bot1", "producer")
    r = client.get("/v1/orders", headers=auth(bot))
    assert r.status_code == 401
    assert "sign" in r.json()["error"]["message"]


def test_operator_bearer_tokens_keep_working(gw: Gateway, client: TestClient) -> None:
    trader = add(gw, "trader1", "trader", "tina")
    assert client.get("/v1/orders", headers=auth(trader)).status_code == 200


def test_a_rotated_key_stops_working_and_the_new_one_works(gw: Gateway,
                                                           client: TestClient) -> None:
    old = add(gw, "bot1", "producer")
    [(new, error)] = execute_batch(gw.engine, SystemClock(), {}, [
        lambda uow: principals.rotate_key(uow, "bot1", "admin:test")])
    assert error is None
    gw.auth.forget()  # the 2 s cache, skipped
    assert client.get("/v1/orders", headers=signed(old, "GET", "/v1/orders")).status_code == 401
    assert client.get("/v1/orders", headers=signed(new, "GET", "/v1/orders")).status_code == 200


def test_a_suspended_producer_is_told_it_is_quarantined(gw: Gateway, client: TestClient) -> None:
    bot = add(gw, "bot1", "producer")
    [(_, error)] = execute_batch(gw.engine, SystemClock(), {}, [
        lambda uow: principals.set_status(uow, "bot1", "suspended", "admin:test", "drill")])
    assert error is None
    gw.auth.forget()
    r = client.get("/v1/orders", headers=signed(bot, "GET", "/v1/orders"))
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "quarantined"


def test_the_server_keeps_only_a_hash_of_operator_tokens(gw: Gateway) -> None:
    token = add(gw, "trader1", "trader", "tina")
    with gw.engine.connect() as conn:
        stored = " ".join(str(v) for row in conn.exec_driver_sql("SELECT * FROM principals")
                          for v in row)
    assert token not in stored


def test_the_server_keeps_nothing_that_can_sign_as_a_producer(gw: Gateway,
                                                             client: TestClient) -> None:
    """Only the public key is stored: whoever reads the database (or a backup) cannot forge
    a bot's request, unlike an HMAC secret, which verifies and signs alike."""
    bot = add(gw, "bot1", "producer")
    key_id, secret = signing.split_credential(bot)
    with gw.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT * FROM principals").mappings().all()
    stored = " ".join(str(v) for row in rows for v in row.values())
    assert secret not in stored and bot not in stored
    seed = hashlib.sha256(secret.encode()).hexdigest()
    assert seed not in stored  # the private key itself is not there either
    [row] = [r for r in rows if r["name"] == "bot1"]
    assert row["public_key"] == signing.public_key(secret).hex()
    # Signing with what the database holds (its public key, or the credential's hash, as if
    # they were secrets) is refused.
    for leaked in (str(row["public_key"]), str(row["token_hash"])):
        forged = signed(f"{key_id}.{leaked}", "POST", "/v1/orders", BODY)
        assert post_order(client, forged, BODY) == 401


def test_an_hmac_signature_from_an_old_sdk_is_told_to_upgrade(gw: Gateway,
                                                             client: TestClient) -> None:
    bot = add(gw, "bot1", "producer")
    _, secret = signing.split_credential(bot)
    headers = signed(bot, "POST", "/v1/orders", BODY)
    message = signing.canonical("POST", "/v1/orders", headers["X-GW-Timestamp"],
                                headers["X-GW-Nonce"], BODY)
    headers["X-GW-Signature"] = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    r = client.post("/v1/orders", content=BODY, headers=headers)
    assert r.status_code == 401
    assert "Ed25519" in r.json()["error"]["message"]
