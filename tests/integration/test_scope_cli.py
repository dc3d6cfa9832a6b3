"""The admin's commands: jurisdictions and expiry at registration, set-scope with its diff,
and a scope document exported, verified and caught when tampered with (SQLite and
PostgreSQL)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from gateway.cli.main import main
from tests.support import LIMITS


@pytest.fixture
def cli(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> Any:
    limits = tmp_path / "limits.yaml"
    limits.write_text(LIMITS + "venues:\n  paper: {jurisdictions: [GB]}\n")
    monkeypatch.setenv("GATEWAY_DATABASE_URL", database_url)
    monkeypatch.setenv("GATEWAY_LIMITS", str(limits))
    monkeypatch.setenv("GATEWAY_SIGNING_KEY_FILE", str(tmp_path / "keys" / "signing.key"))

    def run(*argv: str) -> tuple[int, Any, str]:
        code = main(["--json", *argv])
        out, err = capsys.readouterr()
        return code, json.loads(out) if out.strip() else None, err

    return run


def test_a_producer_is_registered_with_jurisdiction_venues_and_expiry(cli: Any) -> None:
    code, added, _ = cli("producers", "add", "bot", "--principal", "Alice", "--jurisdiction",
                         "gb", "--venues", "paper", "--expires-in", "30")

    assert code == 0
    assert added["jurisdiction"] == "GB"
    expires = datetime.fromisoformat(added["expires_at"])
    assert timedelta(days=29) < expires - datetime.now(UTC) <= timedelta(days=30)
    _, shown, _ = cli("producers", "show", "bot")
    assert (shown["jurisdiction"], shown["scope"], shown["scope_version"]) == (
        "GB", {"venues": ["paper"]}, 1)


@pytest.mark.parametrize(("flags", "message"), [
    (["--jurisdiction", "Britain"], "not an ISO 3166 code"),
    (["--expires-at", "2001-01-01"], "in the past"),
    (["--expires-at", "next tuesday"], "write a date"),
    (["--stop-loss-share", "5"], "between 0 and 1"),
])
def test_bad_registration_flags_are_refused_with_the_rule(cli: Any, flags: list[str],
                                                          message: str) -> None:
    code, _, err = cli("producers", "add", "bot", "--principal", "Alice", *flags)

    assert code == 1
    assert message in err


def test_set_scope_prints_the_diff_and_bumps_the_version(cli: Any) -> None:
    cli("producers", "add", "bot", "--principal", "Alice")

    code, result, _ = cli("producers", "set-scope", "bot", "--jurisdiction", "GB", "--symbols",
                          "BTC/USDT", "--reason", "onboarding")
    again, _, err = cli("producers", "set-scope", "bot", "--jurisdiction", "GB")

    assert code == 0
    assert result["scope_version"] == 2
    assert result["diff"] == {"jurisdiction": {"before": None, "after": "GB"},
                              "symbols": {"before": None, "after": ["BTC/USDT"]}}
    assert again == 1 and "nothing changed" in err


def test_an_exported_scope_document_verifies_and_a_tampered_one_does_not(
        cli: Any, tmp_path: Path) -> None:
    _, added, _ = cli("producers", "add", "bot", "--principal", "Alice", "--jurisdiction", "GB")
    target = tmp_path / "bot-scope.json"

    code, _, _ = cli("producers", "show", "bot", "--export", str(target))

    assert code == 0
    doc = json.loads(target.read_text())["document"]
    assert (doc["producer"], doc["principal"], doc["jurisdiction"]) == ("bot", "Alice", "GB")
    assert doc["venues"] == ["paper"] and doc["scope_version"] == 1
    assert added["secret"] not in target.read_text()
    assert cli("producers", "verify", str(target))[0] == 0

    tampered = json.loads(target.read_text())
    tampered["document"]["symbols"] = ["BTC/USDT", "ETH/USDT", "DOGE/USDT"]
    target.write_text(json.dumps(tampered))
    code, _, err = cli("producers", "verify", str(target))
    assert code == 1
    assert "does NOT verify" in err and "changed after signing" in err


def test_an_operator_carries_a_jurisdiction_and_a_rotated_key_an_expiry(cli: Any) -> None:
    code, added, _ = cli("operators", "add", "tina", "--role", "trader", "--jurisdiction", "DE")
    rotated = cli("operators", "rotate-key", "tina", "--expires-at", "2099-01-31")[1]

    assert code == 0 and added["jurisdiction"] == "DE"
    assert rotated["expires_at"].startswith("2099-01-31")
    shown = cli("operators", "show", "tina")[1]
    assert shown["expires_at"].startswith("2099-01-31")
