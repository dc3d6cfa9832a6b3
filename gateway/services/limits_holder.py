"""The limits in force. The database row `gateway_state.limits_version` is the authority:
every write batch reads it under the lock, and this holder follows it, so every process
applies the same limits at the moment of each decision."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, select

from gateway.adapters.store.tables import limits_versions
from gateway.domain.limits import Limits, parse_limits


@dataclass(frozen=True, slots=True)
class LoadedLimits:
    limits: Limits
    version: str
    text: str


class LimitsHolder:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._loaded = self.read_file()

    def read_file(self) -> LoadedLimits:
        """Parse the file; raise LimitsError (naming every problem) when it is invalid."""
        text = self.path.read_text(encoding="utf-8")
        limits, version = parse_limits(text, str(self.path))
        return LoadedLimits(limits, version, text)

    def current(self) -> tuple[Limits, str]:
        loaded = self._loaded
        return loaded.limits, loaded.version

    def loaded(self) -> LoadedLimits:
        return self._loaded

    def adopt(self, loaded: LoadedLimits) -> None:
        with self._lock:
            self._loaded = loaded

    def source(self, conn: Connection, db_version: str | None) -> Callable[[], tuple[Limits, str]]:
        """Follow the version in force (another process may have installed a new one)."""
        if db_version is not None and db_version != self._loaded.version:
            text = conn.execute(select(limits_versions.c.text).where(
                limits_versions.c.version == db_version)).scalar_one()
            limits, version = parse_limits(text, f"limits version {db_version}")
            self.adopt(LoadedLimits(limits, version, text))
        return self.current
