"""`gateway config check [FILE]`: validate gateway.toml like `gateway limits check`."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from gateway.config import ENV_KEYS, ConfigError, GatewayConfig, config_path, load
from gateway.secrets import WEBHOOK_SECRET, WEBHOOK_SECRET_MISSING, merged_env, secret
from gateway.url_mask import shown_urls

from .output import CliError, emit


def register(sub: Any) -> None:
    config = sub.add_parser("config", help="the configuration file (gateway.toml)")
    commands = config.add_subparsers(dest="sub", required=True)
    p = commands.add_parser("check", help="validate a configuration file and show what is "
                                          "in force (with environment overrides)")
    p.add_argument("file", type=Path, nargs="?",
                   help="default: GATEWAY_CONFIG, else ./gateway.toml")
    p.add_argument("--no-env", action="store_true",
                   help="the file alone, without GATEWAY_* environment overrides")
    p.set_defaults(func=check)


def _flatten(data: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for key, value in data.items():
        if isinstance(value, dict):
            out += _flatten(value, f"{prefix}{key}.")
        else:
            out.append((f"{prefix}{key}", value))
    return out


def _shown_url(url: str) -> str:
    """A database URL as it may be shown: its password (from the environment or the secrets
    file) is never printed."""
    try:
        return make_url(url).render_as_string(hide_password=True) if url else url
    except Exception:  # not a URL at all: nothing in it parses as a password either
        return "***"


def _missing_secrets(config: GatewayConfig, env: dict[str, str], source: str) -> None:
    """What `gateway serve` would refuse to start without, reported as a problem like any
    other (a configuration serve refuses is not valid): the webhook signing secret."""
    if config.webhooks.urls and not secret(WEBHOOK_SECRET, env):
        raise ConfigError(source, [(WEBHOOK_SECRET, "(not set)", WEBHOOK_SECRET_MISSING)])


def check(args: argparse.Namespace) -> int:
    path = config_path(args.file)
    if args.file is not None and not args.file.is_file():
        raise CliError(f"{args.file}: no such file")
    # What `gateway serve` reads: the environment, and GATEWAY_SECRETS_FILE beneath it.
    try:
        env = merged_env(os.environ)
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    try:
        config = load(path, env, use_env=not args.no_env)
        if not args.no_env:  # the file alone: where its secrets will come from is not known
            _missing_secrets(config, env, str(path) if path else "configuration")
    except ConfigError as exc:
        if args.json:
            emit(True, {"valid": False, "problems": [
                {"key": k, "value": repr(v), "rule": r} for k, v, r in exc.problems]}, "")
            return 1
        raise CliError(str(exc)) from exc
    overrides = [] if args.no_env else sorted(
        f"{name} -> {'.'.join(key)}" for name, key in ENV_KEYS.items() if env.get(name))
    data = config.model_dump(mode="json")
    data["database"]["url"] = _shown_url(data["database"]["url"])
    data["webhooks"]["urls"] = shown_urls(data["webhooks"]["urls"])
    lines = [f"{path or '(no file: built-in defaults)'}: valid"]
    lines += [f"  {key} = {value!r}" for key, value in _flatten(data)]
    if overrides:
        lines.append("  overridden by the environment: " + ", ".join(overrides))
    emit(args.json, {"valid": True, "file": str(path) if path else None, "config": data,
                     "environment_overrides": overrides}, "\n".join(lines))
    return 0
