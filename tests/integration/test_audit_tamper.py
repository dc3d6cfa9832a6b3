"""`gateway audit verify` on SQLite and PostgreSQL: intact history passes; each kind of
tampering by someone with database access is named at its first broken seq (exit 3)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from gateway.cli.main import main

from .audit_db import cli, drop_triggers, insert_forged, rehash_from, seeded, sql

N = 10
Verify = Callable[..., tuple[int, dict[str, Any]]]


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = seeded(database_url, N)
    yield engine
    engine.dispose()


@pytest.fixture
def verify(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
           database_url: str) -> Verify:
    def run(*anchors: str) -> tuple[int, dict[str, Any]]:
        args = [a for anchor in anchors for a in ("--anchor", anchor)]
        code, data = cli(monkeypatch, capsys, database_url, "audit", "verify", *args)
        return code, data
    return run


def broken(result: tuple[int, dict[str, Any]]) -> tuple[int, object, object]:
    code, data = result
    b = data.get("broken") or {}
    assert isinstance(b, dict)
    return code, b.get("seq"), b.get("kind")


def test_an_intact_chain_verifies_with_exit_0(engine: Engine, verify: Verify) -> None:
    code, data = verify()
    assert code == 0 and data["ok"] is True and data["records"] == N


@pytest.mark.parametrize("statement", ["UPDATE audit_events SET body = 'x' WHERE seq = 3",
                                       "UPDATE audit_events SET actor = 'x' WHERE seq = 3",
                                       "DELETE FROM audit_events WHERE seq = 3"])
def test_ordinary_writes_cannot_change_history(engine: Engine, statement: str) -> None:
    with pytest.raises(DBAPIError, match="append-only"):
        sql(engine, statement)


def test_truncate_is_refused_on_postgresql(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no TRUNCATE")
    with pytest.raises(DBAPIError, match="append-only"):
        sql(engine, "TRUNCATE audit_events")


def test_an_edited_record_is_named(engine: Engine, verify: Verify) -> None:
    drop_triggers(engine)
    sql(engine, "UPDATE audit_events SET body = replace(body, 'step 4', 'step 0') WHERE seq = 5")
    assert broken(verify()) == (3, 5, "edited")


def test_a_deleted_record_is_named(engine: Engine, verify: Verify) -> None:
    drop_triggers(engine)
    sql(engine, "DELETE FROM audit_events WHERE seq = 4")
    assert broken(verify()) == (3, 4, "deleted")


def test_an_inserted_record_is_named(engine: Engine, verify: Verify) -> None:
    drop_triggers(engine)
    insert_forged(engine, at=6)
    assert broken(verify()) == (3, 6, "inserted")


def test_reordered_records_are_named(engine: Engine, verify: Verify) -> None:
    drop_triggers(engine)
    sql(engine, "UPDATE audit_events SET seq = -1 WHERE seq = 3",
        "UPDATE audit_events SET seq = 3 WHERE seq = 7",
        "UPDATE audit_events SET seq = 7 WHERE seq = -1")
    assert broken(verify()) == (3, 3, "reordered")


def test_a_truncated_chain_is_caught_by_the_kept_anchor(
    engine: Engine, verify: Verify, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], database_url: str,
) -> None:
    _, anchor = cli(monkeypatch, capsys, database_url, "audit", "anchor")
    drop_triggers(engine)
    if engine.dialect.name == "postgresql":
        sql(engine, "TRUNCATE audit_events")
        first_missing = 1
    else:
        sql(engine, "DELETE FROM audit_events WHERE seq > 7")
        first_missing = 8
    assert verify()[0] == 0  # without the anchor nothing shows
    assert broken(verify(anchor["anchor"])) == (3, first_missing, "truncated")


def test_a_rewritten_chain_is_caught_by_the_kept_anchor(
    engine: Engine, verify: Verify, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], database_url: str,
) -> None:
    _, anchor = cli(monkeypatch, capsys, database_url, "audit", "anchor")
    assert anchor["seq"] == N
    drop_triggers(engine)
    sql(engine, "UPDATE audit_events SET body = replace(body, 'step 2', 'step X') WHERE seq = 3")
    rehash_from(engine, 3)
    assert verify()[0] == 0  # self-consistent after the rehash
    assert broken(verify(anchor["anchor"])) == (3, N, "rewritten")


def test_an_edited_filter_column_is_named(engine: Engine, verify: Verify) -> None:
    drop_triggers(engine)
    sql(engine, "UPDATE audit_events SET order_id = 'ord_hidden' WHERE seq = 2")
    assert broken(verify()) == (3, 2, "edited")


def test_verify_refuses_a_database_that_does_not_exist_rather_than_create_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path,
) -> None:
    monkeypatch.setenv("GATEWAY_DATABASE_URL", f"sqlite:///{tmp_path}/typo.db")
    assert main(["audit", "verify"]) == 1
    assert "check GATEWAY_DATABASE_URL" in capsys.readouterr().err
    assert not (tmp_path / "typo.db").exists()
