"""`gateway config check` and webhooks: URLs are shown without their credentials (text and
--json, accepted or refused), and URLs without the signing secret are a problem, as they
are to `gateway serve`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.servers import REPO

SHIPPED = REPO / "gateway.toml"
TOKEN = "tok3n-Zq8x"  # what must never be printed
URLS = (f"https://bot:{TOKEN}@hooks.example/gw?token={TOKEN}&channel=ops, "
        f"http://{TOKEN}@127.0.0.1:9100/hook")
SHOWN = ["https://hooks.example/gw?token=***&channel=***", "http://127.0.0.1:9100/hook"]


def _check(env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gateway", *argv], capture_output=True,
                          text=True, cwd=REPO, timeout=60, env={"PATH": "/usr/bin:/bin", **env})


def test_webhook_urls_are_shown_without_credentials() -> None:
    env = {"GATEWAY_WEBHOOK_URLS": URLS, "GATEWAY_WEBHOOK_SECRET": "whsec-0123456789"}
    text = _check(env, "config", "check", str(SHIPPED))
    assert text.returncode == 0, text.stderr
    assert f"webhooks.urls = {SHOWN!r}" in text.stdout
    js = _check(env, "--json", "config", "check", str(SHIPPED))
    assert js.returncode == 0, js.stderr
    assert json.loads(js.stdout)["config"]["webhooks"]["urls"] == SHOWN
    for out in (text, js):
        assert TOKEN not in out.stdout + out.stderr and "whsec" not in out.stdout


def test_a_refused_webhook_url_is_named_without_credentials(tmp_path: Path) -> None:
    env = {"GATEWAY_WEBHOOK_URLS": f"ftp://bot:{TOKEN}@hooks.example/x?k={TOKEN}",
           "GATEWAY_WEBHOOK_SECRET": "whsec-0123456789"}
    text = _check(env, "config", "check", str(SHIPPED))
    assert text.returncode == 1
    assert "webhooks.urls (from GATEWAY_WEBHOOK_URLS)" in text.stderr
    assert "ftp://hooks.example/x?k=***" in text.stderr
    js = _check(env, "--json", "config", "check", str(SHIPPED))
    assert js.returncode == 1 and json.loads(js.stdout)["valid"] is False
    for out in (text, js):
        assert TOKEN not in out.stdout + out.stderr


@pytest.mark.parametrize("argv", [[], ["--json"]])
def test_webhook_urls_without_the_signing_secret_are_a_problem(argv: list[str]) -> None:
    out = _check({"GATEWAY_WEBHOOK_URLS": URLS}, *argv, "config", "check", str(SHIPPED))
    assert out.returncode == 1  # `gateway serve` refuses to start with this: not valid
    if argv:
        data = json.loads(out.stdout)
        assert data["valid"] is False
        [problem] = data["problems"]
        assert problem["key"] == "GATEWAY_WEBHOOK_SECRET"
        said = problem["rule"]
    else:
        said = out.stderr
        assert out.stdout == "" and "GATEWAY_WEBHOOK_SECRET: '(not set)':" in said
    assert "webhooks.urls is set but GATEWAY_WEBHOOK_SECRET is not" in said
    assert "GATEWAY_SECRETS_FILE" in said
    assert TOKEN not in out.stdout + out.stderr


def test_the_signing_secret_may_come_from_the_secrets_file(tmp_path: Path) -> None:
    secrets = tmp_path / "secrets.env"
    secrets.write_text("GATEWAY_WEBHOOK_SECRET=whsec-from-file\n")
    secrets.chmod(0o600)
    out = _check({"GATEWAY_WEBHOOK_URLS": URLS, "GATEWAY_SECRETS_FILE": str(secrets)},
                 "config", "check", str(SHIPPED))
    assert out.returncode == 0, out.stderr
    assert "whsec-from-file" not in out.stdout


def test_the_file_alone_is_not_checked_for_secrets(tmp_path: Path) -> None:
    # --no-env: the file as it will be deployed; its secrets come from wherever it runs.
    config = tmp_path / "gateway.toml"
    config.write_text('[webhooks]\nurls = ["https://hooks.example/gw"]\n')
    out = _check({}, "config", "check", "--no-env", str(config))
    assert out.returncode == 0, out.stderr
    assert "webhooks.urls = ['https://hooks.example/gw']" in out.stdout
    assert _check({}, "config", "check", str(config)).returncode == 1
