"""The risk officer's commands with the API server down or hung: `gateway halt` writes to the
database and `gateway status` reads it from there, saying so; a database that is not the
gateway's is named, never taken for a halt that was written."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from gateway.adapters.store.engine import make_engine
from gateway.cli import halt_cmd
from gateway.cli.main import main
from tests.servers import free_port, in_thread
from tests.support import add, make_gateway


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def dead_url() -> str:
    return f"http://127.0.0.1:{free_port()}"  # nothing listens there


@pytest.fixture
def hung_url() -> Iterator[str]:
    """A server that accepts connections (the kernel's backlog) and never answers."""
    with socket.create_server(("127.0.0.1", 0), backlog=16) as listener:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"


def test_status_with_the_server_hung_reads_the_database_and_says_so(
        database_url: str, tmp_path: Path, hung_url: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    gw = make_gateway(database_url, tmp_path)
    try:
        risk = add(gw, "rita", "risk", "rita")
    finally:
        gw.engine.dispose()
    monkeypatch.setenv("GATEWAY_DATABASE_URL", database_url)
    common = ("--url", hung_url, "--token", risk)

    # API timeouts far past the test's patience: only the hedge lets the commands return.
    code, out, err = run(capsys, *common, "--json", "halt", "--reason", "server hung",
                         "--api-timeout", "600")
    assert code == 0, err
    assert json.loads(out)["via"] == "database"

    code, out, err = run(capsys, *common, "status", "--api-timeout", "600")
    assert code == 0, err
    first, *rest = out.splitlines()
    assert first.startswith(f"(read from the database: no answer from {hung_url} within ")
    assert rest[0].startswith("HALTED ALL TRADING since ") and "server hung" in rest[0]
    code, out, err = run(capsys, *common, "--json", "status", "--api-timeout", "600")
    assert code == 0, err
    data = json.loads(out)
    assert data["via"] == "database" and data["halt"]["reason"] == "server hung"


def test_status_from_a_server_that_answers_says_so(
        database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    gw = make_gateway(database_url, tmp_path)
    risk = add(gw, "rita", "risk", "rita")
    # However slow this machine is, the server's answer is the one taken here.
    monkeypatch.setattr(halt_cmd, "STATUS_HEDGE_S", 120.0)
    with in_thread(gw) as (url, _):
        code, out, err = run(capsys, "--url", url, "--token", risk, "status")
        assert code == 0, err
        assert out.splitlines()[:2] == [f"(from the API server at {url})",
                                        "trading (no halt in force)"]
        code, out, err = run(capsys, "--url", url, "--token", risk, "--json", "status")
        assert code == 0, err
        assert json.loads(out)["via"] == "api"


def test_status_with_the_server_down_reads_the_halt_from_the_database(
        database_url: str, tmp_path: Path, dead_url: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    gw = make_gateway(database_url, tmp_path)
    try:
        risk = add(gw, "rita", "risk", "rita")
        bot = add(gw, "bot1", "producer", "alice")
    finally:
        gw.engine.dispose()
    monkeypatch.setenv("GATEWAY_DATABASE_URL", database_url)
    common = ("--url", dead_url, "--token", risk)

    code, out, _ = run(capsys, *common, "status")
    assert code == 0 and "trading (no halt in force)" in out
    assert f"read from the database: no answer from {dead_url}" in out

    code, out, err = run(capsys, *common, "halt", "--reason", "server gone", "--symbol",
                         "BTC/USDT")
    assert code == 0, err
    code, out, err = run(capsys, *common, "--json", "status")
    assert code == 0, err
    data = json.loads(out)
    assert data["via"] == "database" and data["halt"]["halted"] is False
    [h] = data["halts"]
    assert (h["scope"], h["target"], h["reason"], h["actor"]) == (
        "symbol", "BTC/USDT", "server gone", "operator:rita")
    assert data["venue_mismatches"] is None  # known only to a running process

    code, out, err = run(capsys, "--url", dead_url, "--token", bot, "status")
    assert code == 1 and out == "" and "reading the database instead failed too" in err


def test_a_database_that_is_not_the_gateways_is_named_and_nothing_is_created(
        tmp_path: Path, dead_url: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    wrong = tmp_path / "elsewhere" / "gateway.db"
    monkeypatch.setenv("GATEWAY_DATABASE_URL", f"sqlite:///{wrong}")
    for command in (["halt", "--reason", "drill"], ["status"]):
        code, out, err = run(capsys, "--url", dead_url, "--token", "gwo_anything", *command)
        assert code == 1 and out == "" and err.count("\n") == 1
        assert f"no gateway database at sqlite:///{wrong}" in err
        assert "GATEWAY_DATABASE_URL" in err
    assert not wrong.exists() and not wrong.parent.exists()


def test_a_session_hung_inside_a_transaction_does_not_block_the_halt_on_postgresql(
        pg_database: str, tmp_path: Path, dead_url: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """A gateway process stopped mid-transaction holds the state-row lock every write takes;
    the database halt ends that session (idle in its transaction, blocking the halt) rather
    than wait behind it forever."""
    gw = make_gateway(pg_database, tmp_path)
    try:
        risk = add(gw, "rita", "risk", "rita")
    finally:
        gw.engine.dispose()
    monkeypatch.setenv("GATEWAY_DATABASE_URL", pg_database)
    hung = make_engine(pg_database)
    try:
        conn = hung.connect()
        conn.execute(text("SELECT id FROM gateway_state WHERE id = 1 FOR UPDATE")).all()
        hung_pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        # ...and now this session does nothing more, holding the lock, as a SIGSTOPped
        # writer would.
        code, out, err = run(capsys, "--url", dead_url, "--token", risk, "--json", "halt",
                             "--reason", "a writer is hung")
        assert code == 0, err
        data = json.loads(out)
        assert data["via"] == "database" and data["hung_sessions_ended"] == [hung_pid]
        with pytest.raises(OperationalError):  # its transaction was rolled back, session ended
            conn.execute(text("SELECT 1")).all()
        conn.invalidate()
    finally:
        hung.dispose()

    code, out, err = run(capsys, "--url", dead_url, "--token", risk, "--json", "status")
    assert code == 0, err
    assert json.loads(out)["halt"]["reason"] == "a writer is hung"


def test_a_halt_that_waits_on_nobody_ends_no_session(
        pg_database: str, tmp_path: Path, dead_url: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    gw = make_gateway(pg_database, tmp_path)
    try:
        risk = add(gw, "rita", "risk", "rita")
    finally:
        gw.engine.dispose()
    monkeypatch.setenv("GATEWAY_DATABASE_URL", pg_database)
    idle = make_engine(pg_database)
    try:
        with idle.connect() as conn:
            # Idle inside a transaction but holding nothing the halt needs: left alone.
            conn.execute(text("SELECT id FROM gateway_state WHERE id = 1")).all()
            code, out, err = run(capsys, "--url", dead_url, "--token", risk, "--json",
                                 "halt", "--reason", "nobody in the way")
            assert code == 0, err
            assert json.loads(out)["hung_sessions_ended"] == []
            assert conn.execute(text("SELECT 1")).scalar_one() == 1
    finally:
        idle.dispose()
