"""Migration 0006: producers registered when the gateway kept HMAC secrets keep their
credentials, and the secrets leave the database."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from gateway.adapters.store.engine import make_engine
from gateway.adapters.store.migrate import upgrade
from gateway.sdk import signing
from gateway.services.authn import Authenticator


def test_an_old_producer_secret_becomes_its_public_key_and_is_dropped(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine, "0005")
    secret = "an-old-hmac-secret"
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO principals (name, kind, role, principal, token_hash, status, "
            "created_at, key_id, secret, scope_version) VALUES ('oldbot', 'producer', "
            "'producer', 'alice', 'h1', 'active', :now, 'gwk_old', :secret, 1), "
            "('desk', 'operator', 'trader', 'tina', 'h2', 'active', :now, NULL, NULL, 1)"),
            {"now": datetime.now(UTC), "secret": secret})
    upgrade(engine)
    with engine.connect() as conn:
        columns = {c["name"] for c in sa.inspect(conn).get_columns("principals")}
        rows = {r.name: r for r in conn.execute(sa.text("SELECT * FROM principals"))}
    assert "secret" not in columns
    assert rows["oldbot"].public_key == signing.public_key(secret).hex()
    assert rows["desk"].public_key is None
    # The bot's existing credential verifies against what the migration kept.
    headers = {k.lower(): v for k, v in signing.sign(f"gwk_old.{secret}", "GET",
                                                     "/v1/orders").items()}
    verified = Authenticator(engine).verify("GET", "/v1/orders", headers, b"")
    assert verified.principal.name == "oldbot"
    engine.dispose()
