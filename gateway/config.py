"""gateway.toml: everything that is not a limit, with environment variables overriding it.

The file is read with tomllib and validated into a frozen model that refuses unknown keys;
every problem is reported as (key, value, rule), like limits.yaml. Secrets never live here:
a key that looks like one (or a database URL with a password in it) is refused, and the
message says where secrets go instead (the environment or GATEWAY_SECRETS_FILE).
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy.engine import make_url

from .url_mask import shown_url

CONFIG_ENV = "GATEWAY_CONFIG"
DEFAULT_FILE = Path("gateway.toml")
SECRET_KEY = re.compile(r"secret|password|passwd|passphrase|token|api_?key|private_?key|"
                        r"credential", re.IGNORECASE)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DatabaseConfig(_Section):
    url: str = ""  # empty: SQLite (WAL) at ./var/gateway.db


class LimitsConfig(_Section):
    file: Path = Path("limits.yaml")


class ServerConfig(_Section):
    host: str = "127.0.0.1"
    port: int = Field(default=8787, ge=1, le=65535)
    ready_timeout_s: float = Field(default=2.0, gt=0, le=30)
    shutdown_grace_s: float = Field(default=10.0, ge=0, le=300)


class CcxtSection(_Section):
    exchange: str = "binance"
    sandbox: bool = False
    api_url: str = ""
    timeout_ms: int = Field(default=10_000, ge=100, le=120_000)


class VenueConfig(_Section):
    kind: Literal["paper", "ccxt"] = "paper"
    paper_state: Path = Path("var/paper-venue.db")
    paper_seed: int = 7
    paper_latency_ms: int = Field(default=20, ge=0, le=10_000)
    down_after_s: float = Field(default=60.0, gt=0)
    reconcile_s: float = Field(default=30.0, gt=0)
    reconcile_halt: bool = False
    unknown_grace_s: float = Field(default=15.0, ge=0)
    ccxt: CcxtSection = CcxtSection()


def _split_urls(value: str) -> tuple[str, ...]:
    """From the environment: comma- or space-separated."""
    return tuple(u for u in re.split(r"[,\s]+", value) if u)


class WebhooksConfig(_Section):
    urls: tuple[str, ...] = ()
    order_waiting_s: float = Field(default=300.0, gt=0)
    timeout_s: float = Field(default=5.0, gt=0, le=60)
    max_attempts: int = Field(default=10, ge=1, le=100)
    backoff_s: float = Field(default=2.0, gt=0, le=3600)
    keep_sent_days: float = Field(default=30.0, gt=0)

    @field_validator("urls", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        return _split_urls(value) if isinstance(value, str) else value

    @field_validator("urls")
    @classmethod
    def _http(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for url in value:
            if not re.match(r"^https?://[^\s/]+", url):
                raise ValueError(f"{shown_url(url)!r} is not an http:// or https:// URL")
        return value


class MetricsConfig(_Section):
    auth: Literal["none", "operator"] = "none"
    """`none`: anyone who reaches the port may scrape; `operator`: a bearer operator token."""


class LoggingConfig(_Section):
    level: Literal["debug", "info", "warning", "error"] = "info"
    format: Literal["auto", "json", "text"] = "auto"


class SigningConfig(_Section):
    key_file: Path = Path("var/gateway-signing.key")
    """The gateway's own Ed25519 key that signs scope documents: created on first use with
    mode 0600, refused if others may read it. A path, not the key: keep it out of the repo."""


class GatewayConfig(_Section):
    database: DatabaseConfig = DatabaseConfig()
    limits: LimitsConfig = LimitsConfig()
    server: ServerConfig = ServerConfig()
    venue: VenueConfig = VenueConfig()
    webhooks: WebhooksConfig = WebhooksConfig()
    metrics: MetricsConfig = MetricsConfig()
    logging: LoggingConfig = LoggingConfig()
    signing: SigningConfig = SigningConfig()


# Every environment variable that overrides a key. The old names stay: scripts use them.
ENV_KEYS: dict[str, tuple[str, ...]] = {
    "GATEWAY_DATABASE_URL": ("database", "url"),
    "GATEWAY_LIMITS": ("limits", "file"),
    "GATEWAY_HOST": ("server", "host"),
    "GATEWAY_PORT": ("server", "port"),
    "GATEWAY_READY_TIMEOUT_S": ("server", "ready_timeout_s"),
    "GATEWAY_SHUTDOWN_GRACE_S": ("server", "shutdown_grace_s"),
    "GATEWAY_VENUE": ("venue", "kind"),
    "GATEWAY_PAPER_STATE": ("venue", "paper_state"),
    "GATEWAY_PAPER_SEED": ("venue", "paper_seed"),
    "GATEWAY_PAPER_LATENCY_MS": ("venue", "paper_latency_ms"),
    "GATEWAY_VENUE_DOWN_S": ("venue", "down_after_s"),
    "GATEWAY_RECONCILE_S": ("venue", "reconcile_s"),
    "GATEWAY_RECONCILE_HALT": ("venue", "reconcile_halt"),
    "GATEWAY_UNKNOWN_GRACE_S": ("venue", "unknown_grace_s"),
    "GATEWAY_CCXT_EXCHANGE": ("venue", "ccxt", "exchange"),
    "GATEWAY_CCXT_SANDBOX": ("venue", "ccxt", "sandbox"),
    "GATEWAY_CCXT_API_URL": ("venue", "ccxt", "api_url"),
    "GATEWAY_CCXT_TIMEOUT_MS": ("venue", "ccxt", "timeout_ms"),
    "GATEWAY_WEBHOOK_URLS": ("webhooks", "urls"),
    "GATEWAY_WEBHOOK_ORDER_WAITING_S": ("webhooks", "order_waiting_s"),
    "GATEWAY_WEBHOOK_TIMEOUT_S": ("webhooks", "timeout_s"),
    "GATEWAY_WEBHOOK_MAX_ATTEMPTS": ("webhooks", "max_attempts"),
    "GATEWAY_WEBHOOK_BACKOFF_S": ("webhooks", "backoff_s"),
    "GATEWAY_WEBHOOK_KEEP_SENT_DAYS": ("webhooks", "keep_sent_days"),
    "GATEWAY_METRICS_AUTH": ("metrics", "auth"),
    "GATEWAY_LOG_LEVEL": ("logging", "level"),
    "GATEWAY_LOG_FORMAT": ("logging", "format"),
    "GATEWAY_SIGNING_KEY_FILE": ("signing", "key_file"),
}
_ENV_BY_KEY = {".".join(path): name for name, path in ENV_KEYS.items()}


class ConfigError(ValueError):
    """An invalid configuration; `problems` lists every (key, value, rule)."""

    def __init__(self, source: str, problems: list[tuple[str, object, str]]) -> None:
        self.source = source
        self.problems = problems
        lines = [f"{source}: {len(problems)} problem(s)"]
        lines += [f"  {key}: {value!r}: {rule}" for key, value, rule in problems]
        super().__init__("\n".join(lines))


def config_path(explicit: Path | None = None, env: Mapping[str, str] = os.environ) -> Path | None:
    """--config, else GATEWAY_CONFIG, else ./gateway.toml if there is one, else none."""
    if explicit is not None:
        return explicit
    if env.get(CONFIG_ENV):
        return Path(env[CONFIG_ENV])
    return DEFAULT_FILE if DEFAULT_FILE.is_file() else None


def _secret_keys(data: Mapping[str, Any], prefix: str = "") -> list[tuple[str, object, str]]:
    found: list[tuple[str, object, str]] = []
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if SECRET_KEY.search(str(key)):
            found.append((dotted, "***", "looks like a secret: secrets never go in the "
                           "configuration file; set it in the environment or in the file "
                           "named by GATEWAY_SECRETS_FILE (see docs/deploy.md)"))
        elif isinstance(value, Mapping):
            found += _secret_keys(value, dotted + ".")
    url = data.get("database", {}).get("url") if not prefix else None
    if isinstance(url, str):
        try:
            password = make_url(url).password
        except Exception:  # an unparseable URL is reported by validation below
            password = None
        if password:
            found.append(("database.url", "***", "contains a password: give the URL with "
                          "its password in GATEWAY_DATABASE_URL (environment or secrets "
                          "file), or use PGPASSFILE, never in the configuration file"))
    return found


def read_file(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(str(path), [("(file)", None, f"cannot read: {exc.strerror}")]) from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(str(path), [("(file)", None, f"not valid TOML: {exc}")]) from None
    secrets = _secret_keys(data)
    if secrets:
        raise ConfigError(str(path), secrets)
    return data


def _overlay(data: dict[str, Any], env: Mapping[str, str]) -> set[str]:
    """Put every GATEWAY_* override into `data`; return the dotted keys they set."""
    overridden = set()
    for name, path in ENV_KEYS.items():
        value = env.get(name)
        if value is None or value == "":
            continue
        node = data
        for part in path[:-1]:
            child = node.get(part)
            node[part] = child = dict(child) if isinstance(child, Mapping) else {}
            node = child
        node[path[-1]] = value
        overridden.add(".".join(path))
    return overridden


def _shown_input(key: str, value: object) -> object:
    """A refused value as it may be printed: webhook URLs can carry credentials."""
    if key != "webhooks" and not key.startswith("webhooks.urls"):
        return value
    if isinstance(value, str):
        return ", ".join(shown_url(u) for u in _split_urls(value))
    if isinstance(value, list | tuple):
        return [shown_url(u) if isinstance(u, str) else u for u in value]
    return value


def load(path: Path | None, env: Mapping[str, str] = os.environ,
         use_env: bool = True) -> GatewayConfig:
    """The configuration in force: defaults, then the file, then the environment."""
    data = read_file(path) if path is not None else {}
    overridden = _overlay(data, env) if use_env else set()
    try:
        return GatewayConfig.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            key = ".".join(str(p) for p in err["loc"]) or "(file)"
            known = key in overridden or ".".join(key.split(".")[:-1]) in overridden
            where = _ENV_BY_KEY.get(key) if known else None
            rule = err["msg"]
            if err["type"] == "extra_forbidden":
                rule = "unknown key (a typo?); see the commented gateway.toml for every key"
            problems.append((f"{key} (from {where})" if where else key,
                             _shown_input(key, err.get("input")), rule))
        raise ConfigError(str(path) if path else "configuration", problems) from None
