"""gateway.toml: the shipped file is today's defaults, the environment overrides it (every
old GATEWAY_* name still works), and bad or secret-bearing files are refused with the key,
value and rule."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from gateway.config import ENV_KEYS, ConfigError, load
from gateway.settings import Settings, load_settings
from tests.servers import REPO

SHIPPED = REPO / "gateway.toml"


def test_the_shipped_file_reproduces_the_built_in_defaults() -> None:
    from_file = load_settings(SHIPPED, env={})
    assert from_file == Settings(config_file=SHIPPED)


@pytest.mark.parametrize(("name", "value", "field", "expected"), [
    ("GATEWAY_DATABASE_URL", "sqlite:////tmp/x.db", "database_url", "sqlite:////tmp/x.db"),
    ("GATEWAY_LIMITS", "/etc/gw/limits.yaml", "limits_path", Path("/etc/gw/limits.yaml")),
    ("GATEWAY_VENUE", "ccxt", "venue", "ccxt"),
    ("GATEWAY_PAPER_STATE", "/tmp/p.db", "paper_state", Path("/tmp/p.db")),
    ("GATEWAY_CCXT_EXCHANGE", "kraken", "ccxt_exchange", "kraken"),
    ("GATEWAY_CCXT_SANDBOX", "1", "ccxt_sandbox", True),
    ("GATEWAY_CCXT_API_URL", "http://127.0.0.1:9", "ccxt_api_url", "http://127.0.0.1:9"),
    ("GATEWAY_CCXT_TIMEOUT_MS", "2500", "ccxt_timeout_ms", 2500),
    ("GATEWAY_VENUE_DOWN_S", "12.5", "venue_down_s", 12.5),
    ("GATEWAY_RECONCILE_S", "7", "reconcile_s", 7.0),
    ("GATEWAY_RECONCILE_HALT", "1", "reconcile_halt", True),
    ("GATEWAY_UNKNOWN_GRACE_S", "0", "unknown_grace_s", 0.0),
    ("GATEWAY_WEBHOOK_URLS", "http://a.example/x, http://b.example/y", "webhook_urls",
     ("http://a.example/x", "http://b.example/y")),
])
def test_each_environment_variable_overrides_the_file(name: str, value: str, field: str,
                                                      expected: object) -> None:
    settings = load_settings(SHIPPED, env={name: value})
    assert getattr(settings, field) == expected


def test_every_environment_variable_names_a_key_of_the_file() -> None:
    data = load(SHIPPED, env={}).model_dump()
    for name, path in ENV_KEYS.items():
        node = data
        for part in path:
            assert part in node, f"{name} -> {'.'.join(path)} is not a key"
            node = node[part]


def test_unknown_keys_and_bad_values_are_each_named(tmp_path: Path) -> None:
    bad = tmp_path / "gateway.toml"
    bad.write_text('[venue]\nkind = "kraken"\ndown_after = 5\n[server]\nport = 0\n')
    with pytest.raises(ConfigError) as info:
        load(bad, env={"GATEWAY_RECONCILE_S": "soon"})
    keys = {key for key, _, _ in info.value.problems}
    assert keys == {"venue.kind", "venue.down_after", "server.port",
                    "venue.reconcile_s (from GATEWAY_RECONCILE_S)"}
    rules = {key: rule for key, _, rule in info.value.problems}
    assert "unknown key" in rules["venue.down_after"]


@pytest.mark.parametrize("text", [
    '[webhooks]\nsecret = "s3cr3t-value"\n',
    '[venue.ccxt]\napi_key = "abc"\n',
    '[metrics]\ntoken = "gwo_x"\n',
    '[database]\nurl = "postgresql://gw:hunter2@db/gateway"\n',
])
def test_a_file_holding_a_secret_is_refused_without_echoing_it(tmp_path: Path,
                                                                text: str) -> None:
    path = tmp_path / "gateway.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load(path, env={})
    message = str(info.value)
    assert "secret" in message or "password" in message
    assert "GATEWAY_SECRETS_FILE" in message or "GATEWAY_DATABASE_URL" in message
    for value in ("s3cr3t-value", "abc", "gwo_x", "hunter2"):
        assert value not in message


def test_the_webhook_secret_comes_from_the_secrets_file(tmp_path: Path) -> None:
    from gateway.secrets import WEBHOOK_SECRET, secret

    path = tmp_path / "secrets.env"
    path.write_text("GATEWAY_WEBHOOK_SECRET=from-file\n")
    assert secret(WEBHOOK_SECRET, {"GATEWAY_SECRETS_FILE": str(path)}).reveal() == "from-file"
    env = {"GATEWAY_SECRETS_FILE": str(path), WEBHOOK_SECRET: "from-env"}
    assert secret(WEBHOOK_SECRET, env).reveal() == "from-env"
    assert "from-file" not in repr(secret(WEBHOOK_SECRET, {"GATEWAY_SECRETS_FILE": str(path)}))


def _config_check(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gateway", "config", "check", *args],
                          capture_output=True, text=True, cwd=REPO, timeout=60,
                          env={"PATH": "/usr/bin:/bin"})


def test_config_check_accepts_the_shipped_file_and_refuses_a_bad_one(tmp_path: Path) -> None:
    good = _config_check(str(SHIPPED))
    assert good.returncode == 0, good.stderr
    assert "valid" in good.stdout and "venue.down_after_s = 60.0" in good.stdout
    bad = tmp_path / "bad.toml"
    bad.write_text('[server]\nport = "http"\nlisten = 1\n')
    refused = _config_check(str(bad))
    assert refused.returncode == 1
    assert "server.port: 'http':" in refused.stderr
    assert "server.listen: 1: unknown key" in refused.stderr


@pytest.mark.parametrize("where", ["environment", "secrets file"])
def test_config_check_never_shows_the_database_password(tmp_path: Path, where: str) -> None:
    url = "postgresql://gateway:hunter2-secret@db.example:5432/gw"
    env = {"PATH": "/usr/bin:/bin"}
    if where == "environment":
        env["GATEWAY_DATABASE_URL"] = url
    else:
        secrets = tmp_path / "secrets.env"
        secrets.write_text(f"GATEWAY_DATABASE_URL={url}\n")
        secrets.chmod(0o600)
        env["GATEWAY_SECRETS_FILE"] = str(secrets)
    for argv in (["config", "check", str(SHIPPED)],
                 ["--json", "config", "check", str(SHIPPED)]):
        out = subprocess.run([sys.executable, "-m", "gateway", *argv], capture_output=True,
                             text=True, cwd=REPO, timeout=60, env=env)
        assert out.returncode == 0, out.stderr
        assert "hunter2" not in out.stdout + out.stderr
        # what is in force, as `gateway serve` reads it (the secrets file too), masked
        assert "postgresql://gateway:***@db.example:5432/gw" in out.stdout
