"""Settings in force: built-in defaults, then gateway.toml, then GATEWAY_* environment
variables (names are stable: operators' scripts depend on them). See gateway/config.py for
the file and every variable; secrets are not settings (gateway/secrets.py)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from . import config as cfg
from .endpoint import DEFAULT_URL, client_url
from .secrets import merged_env


def _default_db() -> str:
    return "sqlite:///" + str(Path("var/gateway.db").resolve())


@dataclass(frozen=True)
class Settings:
    database_url: str = ""
    """Any SQLAlchemy URL; default SQLite (WAL) at ./var/gateway.db."""
    limits_path: Path = Path("limits.yaml")
    venue: str = "paper"
    """`paper` (embedded default) or `ccxt`."""
    paper_state: Path | None = Path("var/paper-venue.db")
    paper_seed: int = 7
    paper_latency_ms: int = 20
    """The paper venue answers each call this much later (it acts at once)."""
    unknown_grace_s: float = 15.0
    """Seconds before another process's unsettled send is resolved by asking the venue."""
    ccxt_exchange: str = "binance"
    """The ccxt exchange id when venue is ccxt. Credentials are read by the adapter only
    (gateway/secrets.py): they are never part of these settings."""
    ccxt_sandbox: bool = False
    ccxt_api_url: str | None = None
    ccxt_timeout_ms: int = 10_000
    """Per request; a send that times out has an unknown outcome."""
    venue_down_s: float = 60.0
    """After this long unreachable, trading halts and open orders are cancelled as soon as
    the venue answers again."""
    reconcile_s: float = 30.0
    reconcile_halt: bool = False
    host: str = "127.0.0.1"
    port: int = 8787
    ready_timeout_s: float = 2.0
    """/readyz gives up on the database after this long (a hung database fails the probe)."""
    shutdown_grace_s: float = 10.0
    """On SIGTERM: how long in-flight sends may take to finish before they are parked."""
    webhook_urls: tuple[str, ...] = ()
    webhook_order_waiting_s: float = 300.0
    webhook_timeout_s: float = 5.0
    webhook_max_attempts: int = 10
    webhook_backoff_s: float = 2.0
    webhook_keep_sent_days: float = 30.0
    metrics_auth: str = "none"
    log_level: str = "info"
    log_format: str = "auto"
    config_file: Path | None = None
    signing_key_path: Path = Path("var/gateway-signing.key")
    """The gateway's Ed25519 key for scope documents (created on first use, mode 0600)."""

    def __post_init__(self) -> None:
        if not self.database_url:
            object.__setattr__(self, "database_url", _default_db())

    @classmethod
    def from_config(cls, c: cfg.GatewayConfig, source: Path | None = None) -> Settings:
        v, ccxt = c.venue, c.venue.ccxt
        return cls(
            database_url=c.database.url, limits_path=c.limits.file, venue=v.kind,
            paper_state=v.paper_state, paper_seed=v.paper_seed,
            paper_latency_ms=v.paper_latency_ms,
            unknown_grace_s=v.unknown_grace_s, ccxt_exchange=ccxt.exchange,
            ccxt_sandbox=ccxt.sandbox, ccxt_api_url=ccxt.api_url or None,
            ccxt_timeout_ms=ccxt.timeout_ms, venue_down_s=v.down_after_s,
            reconcile_s=v.reconcile_s, reconcile_halt=v.reconcile_halt,
            host=c.server.host, port=c.server.port, ready_timeout_s=c.server.ready_timeout_s,
            shutdown_grace_s=c.server.shutdown_grace_s, webhook_urls=c.webhooks.urls,
            webhook_order_waiting_s=c.webhooks.order_waiting_s,
            webhook_timeout_s=c.webhooks.timeout_s,
            webhook_max_attempts=c.webhooks.max_attempts,
            webhook_backoff_s=c.webhooks.backoff_s,
            webhook_keep_sent_days=c.webhooks.keep_sent_days, metrics_auth=c.metrics.auth,
            log_level=c.logging.level, log_format=c.logging.format, config_file=source,
            signing_key_path=c.signing.key_file)


def load_settings(path: Path | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Defaults < the configuration file (--config, GATEWAY_CONFIG or ./gateway.toml) <
    the environment (and GATEWAY_SECRETS_FILE). Raises ConfigError naming every problem."""
    env = merged_env(os.environ if env is None else env)
    source = cfg.config_path(path, env)
    return Settings.from_config(cfg.load(source, env), source)


__all__ = ["DEFAULT_URL", "Settings", "client_url", "load_settings"]
