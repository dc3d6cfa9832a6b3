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
    """GATEWAY_VENUE: `paper` (embedded default)."""

    paper_state: Path | None = field(default_factory=lambda: Path(os.environ.get(
        "GATEWAY_PAPER_STATE", "var/paper-venue.db")))
    """GATEWAY_PAPER_STATE: where the paper venue keeps its own books."""

    paper_seed: int = field(default_factory=lambda: int(os.environ.get("GATEWAY_PAPER_SEED",
                                                                         "7")))
    unknown_grace_s: float = field(default_factory=lambda: float(os.environ.get(
        "GATEWAY_UNKNOWN_GRACE_S", "15")))
    """Seconds before another process's unsettled send is resolved by asking the venue."""


def client_url(explicit: str | None = None) -> str:
    """Where clients find the server: --url, then GATEWAY_URL, then the default."""
    return explicit or os.environ.get("GATEWAY_URL") or DEFAULT_URL
