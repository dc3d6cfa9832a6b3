"""Settings from the environment. Names are stable: operators' scripts depend on them."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_URL = "http://127.0.0.1:8787"


def _default_db() -> str:
    return "sqlite:///" + str(Path("var/gateway.db").resolve())


@dataclass(frozen=True)
class Settings:
    database_url: str = field(default_factory=lambda: os.environ.get(
        "GATEWAY_DATABASE_URL") or _default_db())
    """GATEWAY_DATABASE_URL: any SQLAlchemy URL; default SQLite (WAL) at ./var/gateway.db."""

    limits_path: Path = field(default_factory=lambda: Path(os.environ.get(
        "GATEWAY_LIMITS", "limits.yaml")))
    """GATEWAY_LIMITS: the limits file; default ./limits.yaml."""

    venue: str = field(default_factory=lambda: os.environ.get("GATEWAY_VENUE", "paper"))
    """GATEWAY_VENUE: `paper` (embedded default) or `ccxt`."""

    paper_state: Path | None = field(default_factory=lambda: Path(os.environ.get(
        "GATEWAY_PAPER_STATE", "var/paper-venue.db")))
    """GATEWAY_PAPER_STATE: where the paper venue keeps its own books."""

    paper_seed: int = field(default_factory=lambda: int(os.environ.get("GATEWAY_PAPER_SEED",
                                                                         "7")))
    unknown_grace_s: float = field(default_factory=lambda: float(os.environ.get(
        "GATEWAY_UNKNOWN_GRACE_S", "15")))
    """Seconds before another process's unsettled send is resolved by asking the venue."""

    ccxt_exchange: str = field(default_factory=lambda: os.environ.get(
        "GATEWAY_CCXT_EXCHANGE", "binance"))
    """GATEWAY_CCXT_EXCHANGE: the ccxt exchange id when GATEWAY_VENUE=ccxt. Credentials come
    from GATEWAY_CCXT_API_KEY / GATEWAY_CCXT_SECRET or GATEWAY_CCXT_SECRETS_FILE and are
    read by the adapter only: they are never part of these settings."""

    ccxt_sandbox: bool = field(default_factory=lambda: os.environ.get(
        "GATEWAY_CCXT_SANDBOX", "0").lower() in ("1", "true", "yes"))
    """GATEWAY_CCXT_SANDBOX: 1 to use the venue's sandbox / testnet."""

    ccxt_api_url: str | None = field(default_factory=lambda: os.environ.get(
        "GATEWAY_CCXT_API_URL") or None)
    """GATEWAY_CCXT_API_URL: a base URL replacing the venue's API host (a local venue)."""

    ccxt_timeout_ms: int = field(default_factory=lambda: int(os.environ.get(
        "GATEWAY_CCXT_TIMEOUT_MS", "10000")))
    """GATEWAY_CCXT_TIMEOUT_MS: per request; a send that times out has an unknown outcome."""

    venue_down_s: float = field(default_factory=lambda: float(os.environ.get(
        "GATEWAY_VENUE_DOWN_S", "60")))
    """GATEWAY_VENUE_DOWN_S: after this long unreachable, trading halts and open orders are
    cancelled as soon as the venue answers again."""

    reconcile_s: float = field(default_factory=lambda: float(os.environ.get(
        "GATEWAY_RECONCILE_S", "30")))
    """GATEWAY_RECONCILE_S: how often open orders are compared with the venue's."""

    reconcile_halt: bool = field(default_factory=lambda: os.environ.get(
        "GATEWAY_RECONCILE_HALT", "0").lower() in ("1", "true", "yes"))
    """GATEWAY_RECONCILE_HALT: 1 to halt trading on any mismatch with the venue."""


def client_url(explicit: str | None = None) -> str:
    """Where clients find the server: --url, then GATEWAY_URL, then the default."""
    return explicit or os.environ.get("GATEWAY_URL") or DEFAULT_URL
